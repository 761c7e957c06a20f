#include "visits/visit_pseudonym.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

namespace optin::visits::visit_pseudonym_test {
namespace {

TEST(VisitPseudonymTest, PseudonymIsTwoCapitalizedWords) {
  platform::SeededRandom random(3);
  const std::regex two_words("^[A-Z][a-z]+ [A-Z][a-z]+$");
  for (int i = 0; i < 200; ++i) {
    std::string name = RandomVisitPseudonym(random);
    EXPECT_TRUE(std::regex_match(name, two_words)) << name;
  }
}

TEST(VisitPseudonymTest, PseudonymsVaryFromVisitToVisit) {
  platform::SeededRandom random(4);
  std::set<std::string> names;
  std::set<std::string> first_words;
  std::set<std::string> second_words;
  for (int i = 0; i < 500; ++i) {
    std::string name = RandomVisitPseudonym(random);
    names.insert(name);
    first_words.insert(name.substr(0, name.find(' ')));
    second_words.insert(name.substr(name.find(' ') + 1));
  }
  EXPECT_GT(names.size(), 400u);
  EXPECT_GT(first_words.size(), 30u);
  EXPECT_GT(second_words.size(), 30u);
}

}  // namespace
}  // namespace optin::visits::visit_pseudonym_test
