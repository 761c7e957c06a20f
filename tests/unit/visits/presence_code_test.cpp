#include "visits/presence_code.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <string>

namespace optin::visits::presence_code_test {
namespace {

const std::string kKey(32, 'k');

class PresenceCodeTest : public ::testing::Test {
 protected:
  // Start exactly at the beginning of a 30 s step.
  PresenceCodeTest() : clock_(1'790'000'010 - 1'790'000'010 % 30), code_(kKey, clock_) {}

  void AdvanceSteps(int n) { clock_.Advance(std::chrono::seconds(30 * n)); }

  platform::FakeClock clock_;
  PresenceCode code_;
};

TEST_F(PresenceCodeTest, CurrentCodeIsEightCrockfordCharacters) {
  const std::string crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  for (int i = 0; i < 50; ++i) {
    std::string c = code_.Current();
    ASSERT_EQ(c.size(), 8u) << c;
    for (char ch : c) EXPECT_NE(crockford.find(ch), std::string::npos) << c;
    AdvanceSteps(1);
  }
}

TEST_F(PresenceCodeTest, CurrentCodeIsAccepted) { EXPECT_TRUE(code_.Accepts(code_.Current())); }

TEST_F(PresenceCodeTest, PreviousStepIsAcceptedButNotTheOneBefore) {
  const std::string shown = code_.Current();
  AdvanceSteps(1);
  EXPECT_NE(code_.Current(), shown);
  EXPECT_TRUE(code_.Accepts(shown));
  AdvanceSteps(1);
  EXPECT_FALSE(code_.Accepts(shown));
}

TEST_F(PresenceCodeTest, AWiderWindowAcceptsOlderCodesUpToItsEdge) {
  const std::string shown = code_.Current();
  AdvanceSteps(20);
  EXPECT_FALSE(code_.Accepts(shown));
  EXPECT_TRUE(code_.Accepts(shown, 20));
  AdvanceSteps(1);
  EXPECT_FALSE(code_.Accepts(shown, 20));
}

TEST_F(PresenceCodeTest, NextStepsCodeIsNotAcceptedYet) {
  EXPECT_FALSE(code_.Accepts(code_.ForStep(code_.CurrentStep() + 1)));
}

TEST_F(PresenceCodeTest, WrongCodeIsRefused) {
  std::string c = code_.Current();
  c[3] = c[3] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(code_.Accepts(c));
  EXPECT_FALSE(code_.Accepts(""));
  EXPECT_FALSE(code_.Accepts(code_.Current().substr(0, 7)));
  EXPECT_FALSE(code_.Accepts(code_.Current() + "0"));
  PresenceCode other_store(std::string(32, 'x'), clock_);
  EXPECT_FALSE(code_.Accepts(other_store.Current()));
}

TEST_F(PresenceCodeTest, CodeIsCaseInsensitive) {
  std::string lower = code_.Current();
  std::transform(lower.begin(), lower.end(), lower.begin(), [](char ch) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  });
  EXPECT_TRUE(code_.Accepts(lower));
}

TEST_F(PresenceCodeTest, CodesChangeEveryStep) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    seen.insert(code_.Current());
    AdvanceSteps(1);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST_F(PresenceCodeTest, CodeStaysTheSameWithinAStepAndChangesWhenTheTimeRemainingRunsOut) {
  EXPECT_EQ(code_.SecondsRemaining(), 30);
  const std::string c = code_.Current();
  clock_.Advance(std::chrono::seconds(17));
  EXPECT_EQ(code_.SecondsRemaining(), 13);
  EXPECT_EQ(code_.Current(), c);
  clock_.Advance(std::chrono::seconds(code_.SecondsRemaining() - 1));
  EXPECT_EQ(code_.Current(), c);
  clock_.Advance(std::chrono::seconds(1));
  EXPECT_NE(code_.Current(), c);
  EXPECT_EQ(code_.SecondsRemaining(), 30);
}

TEST_F(PresenceCodeTest, ShorterStepRotatesFaster) {
  PresenceCode fast(kKey, clock_, std::chrono::seconds(10));
  const std::string c = fast.Current();
  clock_.Advance(std::chrono::seconds(20));
  EXPECT_FALSE(fast.Accepts(c));
}

}  // namespace
}  // namespace optin::visits::presence_code_test
