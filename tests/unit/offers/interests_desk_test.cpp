// The interests use case with plain values over the daemon's domain graph and a real SQLite
// database: the shopper found by visit token or app token subject, their own interests replaced
// and returned as stored (by topic); nothing written for an unknown visit token, a topic not in
// the store's list, or without `offers` or `history`.
#include "offers/interests_desk.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/domain_world.h"

namespace optin::offers::interests_desk_test {
namespace {

using consent::Purpose;
using optin::testing::ValueOrDie;

class InterestsDeskTest : public ::testing::Test {
 protected:
  InterestsDeskTest() : desk_(world_.visits(), world_.interests()) {}

  Result<std::vector<Interest>> Replace(const visits::ShopperRef& who,
                                        std::vector<Interest> interests) {
    return world_.database().Write([&](store::Connection& c) -> Result<std::vector<Interest>> {
      return desk_.Replace(c, who, interests);
    });
  }
  std::vector<Interest> List(std::string_view subject) {
    return ValueOrDie(world_.database().Read([&](store::Connection& c) {
      return world_.interests().List(c, subject);
    }),
                      "list");
  }

  optin::testing::DomainWorld world_;
  InterestsDesk desk_;
};

TEST_F(InterestsDeskTest, InterestsReplacedByVisitTokenAreReturnedAsStoredByTopic) {
  auto r = ValueOrDie(world_.CheckIn("subject-1", "jti-1", {{Purpose::kOffers, true}}), "check-in");
  ASSERT_TRUE(Replace({.subject_id = std::nullopt, .visit_token = r.visit_token},
                      {{"cycling", std::nullopt}}));
  auto stored = Replace({.subject_id = std::nullopt, .visit_token = r.visit_token},
                        {{"trail running", std::nullopt}, {"climbing", "beginner"}});
  ASSERT_TRUE(stored) << stored.error().message;
  ASSERT_EQ(stored->size(), 2u);
  EXPECT_EQ((*stored)[0].topic, "climbing");
  EXPECT_EQ((*stored)[0].expertise, "beginner");
  EXPECT_EQ((*stored)[1].topic, "trail running");
  EXPECT_FALSE((*stored)[1].expertise.has_value());
  auto listed = List("subject-1");
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].topic, "climbing");
  EXPECT_EQ(listed[1].topic, "trail running");
}

TEST_F(InterestsDeskTest, AShopperKnownByAppTokenReplacesOnlyTheirOwnInterests) {
  ASSERT_TRUE(world_.CheckIn("subject-2", "jti-2", {{Purpose::kOffers, true}}));
  ASSERT_TRUE(world_.CheckIn("subject-3", "jti-3", {{Purpose::kOffers, true}}));
  ASSERT_TRUE(
      Replace({.subject_id = "subject-3", .visit_token = std::nullopt}, {{"swimming", "expert"}}));
  auto stored = Replace({.subject_id = "subject-2", .visit_token = std::nullopt},
                        {{"cycling", std::nullopt}});
  ASSERT_TRUE(stored) << stored.error().message;
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ((*stored)[0].topic, "cycling");
  auto others = List("subject-3");
  ASSERT_EQ(others.size(), 1u);
  EXPECT_EQ(others[0].topic, "swimming");
}

TEST_F(InterestsDeskTest, ReplacingInterestsWithAnUnknownVisitTokenIsRefusedAndWritesNothing) {
  ASSERT_TRUE(world_.CheckIn("subject-4", "jti-4", {{Purpose::kOffers, true}}));
  auto stored = Replace({.subject_id = std::nullopt, .visit_token = "vt_nothing"},
                        {{"climbing", std::nullopt}});
  ASSERT_FALSE(stored);
  EXPECT_EQ(stored.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(world_.database().Count("interests"), 0);
}

TEST_F(InterestsDeskTest, ReplacingInterestsWithoutOffersOrHistoryIsRefusedAndWritesNothing) {
  auto r =
      ValueOrDie(world_.CheckIn("subject-5", "jti-5", {{Purpose::kAssistance, true}}), "check-in");
  auto stored = Replace({.subject_id = std::nullopt, .visit_token = r.visit_token},
                        {{"climbing", std::nullopt}});
  ASSERT_FALSE(stored);
  EXPECT_EQ(stored.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(stored.error().reason, "consent-required");
  EXPECT_EQ(world_.database().Count("interests"), 0);
}

TEST_F(InterestsDeskTest, ATopicNotInTheStoresListIsRefusedAndTheOldInterestsStay) {
  auto r = ValueOrDie(world_.CheckIn("subject-6", "jti-6", {{Purpose::kOffers, true}}), "check-in");
  ASSERT_TRUE(Replace({.subject_id = std::nullopt, .visit_token = r.visit_token},
                      {{"cycling", std::nullopt}}));
  auto stored =
      Replace({.subject_id = std::nullopt, .visit_token = r.visit_token}, {{"golf", std::nullopt}});
  ASSERT_FALSE(stored);
  EXPECT_EQ(stored.error().reason, "unknown-interest");
  auto listed = List("subject-6");
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].topic, "cycling");
}

}  // namespace
}  // namespace optin::offers::interests_desk_test
