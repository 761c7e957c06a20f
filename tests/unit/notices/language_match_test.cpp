#include "notices/language_match.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace optin::notices::language_match_test {
namespace {

const std::vector<std::string> kStore = {"it", "en", "de", "fr"};

TEST(PickLanguageTest, AStarGivesTheStoreDefault) {
  EXPECT_EQ(PickLanguage("*", kStore), "it");
  EXPECT_EQ(PickLanguage("es, *;q=0.5", kStore), "it");
}

TEST(PickLanguageTest, ARegionalTagFallsBackToItsLanguage) {
  EXPECT_EQ(PickLanguage("de-CH", kStore), "de");
  EXPECT_EQ(PickLanguage("fr-CH, fr;q=0.9, en;q=0.8", kStore), "fr");
  EXPECT_EQ(PickLanguage("IT-ch", kStore), "it");
}

TEST(PickLanguageTest, HigherQualityWinsAndTiesKeepHeaderOrder) {
  EXPECT_EQ(PickLanguage("en;q=0.1, de;q=0.9", kStore), "de");
  EXPECT_EQ(PickLanguage("fr, de", kStore), "fr");
  EXPECT_EQ(PickLanguage("es, pt;q=0.9, en;q=0.2", kStore), "en");
}

TEST(PickLanguageTest, QZeroExcludesALanguageEvenThroughTheStarAndTheDefault) {
  EXPECT_EQ(PickLanguage("it;q=0, *", kStore), "en");
  EXPECT_EQ(PickLanguage("it;q=0", kStore), "en");
  EXPECT_EQ(PickLanguage("it-CH;q=0.9, it;q=0", kStore), "en");
  EXPECT_EQ(PickLanguage("en;q=0.0, de;q=0.3", kStore), "de");
}

TEST(PickLanguageTest, GarbageIsIgnoredAndGivesTheDefault) {
  for (std::string_view header : {"", "!!!", "en;q=2", "en;q=abc", "en;q=0.1234", ";;;", "it_IT",
                                  "en-", "-en", "toolongsubtag-x", "\xC3\xA9"}) {
    EXPECT_EQ(PickLanguage(header, kStore), "it") << header;
  }
  EXPECT_EQ(PickLanguage(std::string(2000, 'a'), kStore), "it");
  EXPECT_EQ(PickLanguage("en, !!", kStore), "it");  // one bad element: the whole header goes
}

TEST(PickLanguageTest, AnUnmatchedHeaderGivesTheDefault) {
  EXPECT_EQ(PickLanguage("ja, zh-Hant-TW;q=0.8", kStore), "it");
}

TEST(PickLanguageTest, TheStoresSpellingIsReturned) {
  const std::vector<std::string> store = {"en", "de-CH"};
  EXPECT_EQ(PickLanguage("de-ch", store), "de-CH");
  EXPECT_EQ(PickLanguage("de", store), "en");  // lookup never widens a range
}

TEST(IsLanguageTagTest, AcceptsBcp47ShapesAndRefusesOthers) {
  for (std::string_view ok : {"it", "de-CH", "zh-Hant-TW", "gsw", "es-419"}) {
    EXPECT_TRUE(IsLanguageTag(ok)) << ok;
  }
  for (std::string_view bad :
       {"", "i", "english", "it_IT", "it-", "-it", "1t", "de--CH", "de-CHAAAAAAAA", "*"}) {
    EXPECT_FALSE(IsLanguageTag(bad)) << bad;
  }
}

}  // namespace
}  // namespace optin::notices::language_match_test
