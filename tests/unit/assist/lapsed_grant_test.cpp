// A grant that lapses while the visit goes on (PRODUCT.md lines 4, 5 and 7): no withdrawal, no
// event, only the grant's expiry passing during a visit. The staff queue re-checks
// `assistance` and the prompt re-checks `name_to_staff` each time they are read; these tests
// fail when either re-check is removed. Real SQLite, fake clock.
#include <gtest/gtest.h>

#include "tests/unit/assist/assist_world.h"

namespace optin::testing::lapsed_grant_test {
namespace {

using consent::Purpose;

constexpr auto kGrantLifetime = std::chrono::hours(24 * 365);  // ConsentPolicy's default

class LapsedGrantTest : public ::testing::Test {
 protected:
  AssistWorld w_;

  // `sub` granted `early` on a first visit, comes back when those grants have 30 minutes left,
  // and grants `again` anew on the second visit (4 hours long), which is returned.
  visits::Visit ReturningShopper(std::string_view sub, std::vector<Purpose> early,
                                 std::vector<Purpose> again) {
    w_.Shopper(sub, std::move(early));
    w_.clock().Advance(kGrantLifetime - std::chrono::minutes(30));
    return w_.Shopper(sub, std::move(again));
  }
};

// The grant of `assistance` expires 30 minutes into a 4-hour visit: the prompt leaves the staff
// queue and can no longer be claimed, though nobody withdrew anything.
TEST_F(LapsedGrantTest, AnAssistanceGrantThatExpiresDuringTheVisitTakesThePromptOffTheQueue) {
  auto visit = ReturningShopper("lapse-a", {Purpose::kAssistance}, {});
  auto staff = w_.Staff("sam");
  const std::string id = w_.AskOk(visit, "where are the trail shoes?");
  ASSERT_EQ(ValueOrDie(w_.Queue(staff), "queue").size(), 1u);

  w_.clock().Advance(std::chrono::minutes(31));
  ASSERT_TRUE(visit.expires_at > w_.clock().NowUnix()) << "the visit must still go on";

  EXPECT_TRUE(ValueOrDie(w_.Queue(staff), "queue").empty());
  EXPECT_EQ(w_.StateOf(id), "retracted");
  EXPECT_EQ(ReasonOf(w_.Claim(staff, id)), "prompt-closed");
  EXPECT_EQ(ReasonOf(w_.Ask(visit)), "consent-required");
}

// The grant of `name_to_staff` expires while `assistance` (granted again on this visit) stays:
// the prompt stays on the queue, without the first name.
TEST_F(LapsedGrantTest, ANameToStaffGrantThatExpiresDuringTheVisitTakesTheNameOffThePrompt) {
  auto visit = ReturningShopper("lapse-n", {Purpose::kAssistance, Purpose::kNameToStaff},
                                {Purpose::kAssistance});
  auto staff = w_.Staff("sam");
  w_.AskOk(visit, std::nullopt, "Dana");
  auto before = ValueOrDie(w_.Queue(staff), "queue");
  ASSERT_EQ(before.size(), 1u);
  ASSERT_EQ(before[0].request.first_name.value_or(""), "Dana");

  w_.clock().Advance(std::chrono::minutes(31));
  ASSERT_TRUE(visit.expires_at > w_.clock().NowUnix()) << "the visit must still go on";

  auto after = ValueOrDie(w_.Queue(staff), "queue");
  ASSERT_EQ(after.size(), 1u) << "assistance is still granted";
  EXPECT_FALSE(after[0].request.first_name.has_value());
  auto claimed = ValueOrDie(w_.Claim(staff, after[0].request.id), "claim");
  EXPECT_FALSE(claimed.prompt.request.first_name.has_value());
}

}  // namespace
}  // namespace optin::testing::lapsed_grant_test
