// The end-of-visit use case with plain values (who), over a real SQLite database: the visit in
// progress ended and returned with ended_at now, found by visit token or app subject; without a
// visit in progress the answer is "no-active-visit" and nothing is written.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "tests/support/domain_fixture.h"
#include "visits/shopper.h"

namespace optin::visits::end_current_visit_test {
namespace {

using optin::testing::ValueOrDie;

class EndCurrentVisitTest : public ::testing::Test {
 protected:
  Result<Visit> End(ShopperRef who) {
    return world_.database().Write([&](store::Connection& c) -> Result<Visit> {
      return EndCurrentVisit(c, who, world_.visits());
    });
  }

  optin::testing::VisitsWorld world_;
};

TEST_F(EndCurrentVisitTest, TheVisitInProgressEndsAndComesBackEndedNow) {
  auto checked_in = ValueOrDie(world_.CheckIn("subject-1", "jti-1"), "check-in");
  world_.clock().Advance(std::chrono::minutes(7));
  const int64_t now = world_.clock().NowUnix();
  auto ended = End(ShopperRef{.subject_id = std::nullopt, .visit_token = checked_in.visit_token});
  ASSERT_TRUE(ended) << ended.error().message;
  EXPECT_EQ(ended->id, checked_in.visit.id);
  EXPECT_EQ(ended->pseudonym, checked_in.visit.pseudonym);
  EXPECT_EQ(ended->started_at, checked_in.visit.started_at);
  ASSERT_TRUE(ended->ended_at.has_value());
  EXPECT_EQ(*ended->ended_at, now);
  EXPECT_EQ(world_.database().Count("visits", "id = ? AND ended_at = ?", checked_in.visit.id, now),
            1);
  // Its visit token no longer finds a visit in progress.
  EXPECT_FALSE(world_.FindByToken(checked_in.visit_token));
}

TEST_F(EndCurrentVisitTest, AnAppShopperEndsTheirVisitByTheirSubject) {
  auto checked_in = ValueOrDie(world_.CheckIn("subject-2", "jti-2"), "check-in");
  auto ended = End(ShopperRef{.subject_id = "subject-2", .visit_token = std::nullopt});
  ASSERT_TRUE(ended) << ended.error().message;
  EXPECT_EQ(ended->id, checked_in.visit.id);
  EXPECT_EQ(world_.database().Count("visits", "ended_at IS NULL"), 0);
}

TEST_F(EndCurrentVisitTest, WithoutAVisitInProgressNothingEndsAndTheAnswerIsNoActiveVisit) {
  ASSERT_TRUE(world_.CheckIn("subject-3", "jti-3"));
  ASSERT_TRUE(End(ShopperRef{.subject_id = "subject-3", .visit_token = std::nullopt}));
  const std::string before = world_.database().Snapshot();
  auto again = End(ShopperRef{.subject_id = "subject-3", .visit_token = std::nullopt});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(again.error().reason, "no-active-visit");
  EXPECT_EQ(world_.database().Snapshot(), before);
}

TEST_F(EndCurrentVisitTest, AnUnknownVisitTokenIsRefusedAsNotAVisit) {
  auto r = End(ShopperRef{.subject_id = std::nullopt, .visit_token = "vt_nothing"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
}

}  // namespace
}  // namespace optin::visits::end_current_visit_test
