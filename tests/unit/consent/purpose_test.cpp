#include "consent/purpose.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace optin::consent::purpose_test {
namespace {

TEST(PurposeTest, EveryPurposeRoundTripsThroughItsId) {
  for (Purpose p : kAllPurposes) {
    auto parsed = ParsePurpose(ToString(p));
    ASSERT_TRUE(parsed) << ToString(p);
    EXPECT_EQ(*parsed, p);
    EXPECT_EQ(Info(p).purpose, p);
  }
}

TEST(PurposeTest, IdsAreTheSixPurposesOfTheProduct) {
  std::set<std::string> ids;
  for (Purpose p : kAllPurposes) ids.insert(std::string(ToString(p)));
  EXPECT_EQ(ids, (std::set<std::string>{"presence", "offers", "assistance", "name_to_staff",
                                        "history", "hq_aggregates"}));
}

TEST(PurposeTest, UnknownMisspelledOrDifferentlyCasedIdsAreRejected) {
  for (std::string_view id : {"", "Offers", "OFFERS", " offers", "offers ", "name-to-staff",
                              "marketing", "age", "presence\n"}) {
    EXPECT_FALSE(ParsePurpose(id)) << "'" << id << "'";
  }
}

TEST(PurposeTest, EveryPurposeCarriesShopperWordsAndKantaraCategories) {
  for (Purpose p : kAllPurposes) {
    const PurposeInfo& info = Info(p);
    EXPECT_FALSE(info.description.empty()) << info.id;
    EXPECT_FALSE(info.purpose_category.empty()) << info.id;
    EXPECT_FALSE(info.pii_category.empty()) << info.id;
  }
}

}  // namespace
}  // namespace optin::consent::purpose_test
