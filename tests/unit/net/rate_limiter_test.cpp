#include "net/rate_limiter.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "platform/clock.h"

namespace optin::net::rate_limiter_test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

RateLimit Limit(int64_t per_second, int64_t burst, size_t max_clients = 100) {
  RateLimit l;
  l.per_second = per_second;
  l.burst = burst;
  l.max_clients = max_clients;
  l.exempt = {"127.0.0.1", "::1"};
  return l;
}

// Admits requests from `address` until one is refused; returns how many were admitted (at most
// `cap`).
int AdmittedInARow(RateLimiter& limiter, const std::string& address, int cap = 1000) {
  for (int i = 0; i < cap; ++i) {
    if (limiter.Admit(address).has_value()) return i;
  }
  return cap;
}

TEST(RateLimiterTest, AnAddressMayMakeBurstRequestsAtOnceAndIsThenRefusedWithRetryAfter) {
  platform::FakeClock clock;
  RateLimiter limiter(clock, Limit(2, 5));
  EXPECT_EQ(AdmittedInARow(limiter, "10.0.0.7"), 5);
  auto retry = limiter.Admit("10.0.0.7");
  ASSERT_TRUE(retry.has_value());
  EXPECT_EQ(*retry, seconds(1));  // half a second to the next token, rounded up
}

TEST(RateLimiterTest, TokensComeBackAtTheConfiguredRate) {
  platform::FakeClock clock;
  RateLimiter limiter(clock, Limit(2, 5));
  ASSERT_EQ(AdmittedInARow(limiter, "10.0.0.7"), 5);
  clock.Advance(milliseconds(499));
  EXPECT_TRUE(limiter.Admit("10.0.0.7").has_value());
  clock.Advance(milliseconds(1));
  EXPECT_FALSE(limiter.Admit("10.0.0.7").has_value());  // 0.5 s at 2/s: one token
  EXPECT_TRUE(limiter.Admit("10.0.0.7").has_value());
  clock.Advance(seconds(60));
  EXPECT_EQ(AdmittedInARow(limiter, "10.0.0.7"), 5);  // refilled to the burst, not beyond
}

TEST(RateLimiterTest, RetryAfterSaysHowLongASlowRateTakesToRefill) {
  platform::FakeClock clock;
  RateLimit slow = Limit(1, 1);
  RateLimiter limiter(clock, slow);
  ASSERT_FALSE(limiter.Admit("10.0.0.7").has_value());
  auto retry = limiter.Admit("10.0.0.7");
  ASSERT_TRUE(retry.has_value());
  EXPECT_EQ(*retry, seconds(1));
  clock.Advance(seconds(1));
  EXPECT_FALSE(limiter.Admit("10.0.0.7").has_value());
}

TEST(RateLimiterTest, EachAddressHasItsOwnBucket) {
  platform::FakeClock clock;
  RateLimiter limiter(clock, Limit(1, 3));
  ASSERT_EQ(AdmittedInARow(limiter, "10.0.0.7"), 3);
  EXPECT_EQ(AdmittedInARow(limiter, "10.0.0.8"), 3);
  EXPECT_EQ(AdmittedInARow(limiter, "2001:db8::1"), 3);
}

TEST(RateLimiterTest, IPv4MappedAddressesShareTheBucketOfTheIPv4Address) {
  platform::FakeClock clock;
  RateLimiter limiter(clock, Limit(1, 3));
  ASSERT_EQ(AdmittedInARow(limiter, "10.0.0.7"), 3);
  EXPECT_TRUE(limiter.Admit("::ffff:10.0.0.7").has_value());
}

TEST(RateLimiterTest, ExemptAddressesAreNeverLimitedNorTracked) {
  platform::FakeClock clock;
  RateLimiter limiter(clock, Limit(1, 1));
  EXPECT_EQ(AdmittedInARow(limiter, "127.0.0.1", 50), 50);
  EXPECT_EQ(AdmittedInARow(limiter, "::ffff:127.0.0.1", 50), 50);
  EXPECT_EQ(AdmittedInARow(limiter, "::1", 50), 50);
  EXPECT_EQ(limiter.tracked_clients(), 0u);
}

TEST(RateLimiterTest, ZeroPerSecondTurnsTheLimitOff) {
  platform::FakeClock clock;
  RateLimiter limiter(clock, Limit(0, 1));
  EXPECT_EQ(AdmittedInARow(limiter, "10.0.0.7", 500), 500);
  EXPECT_EQ(limiter.tracked_clients(), 0u);
}

TEST(RateLimiterTest, TheTableNeverHoldsMoreThanMaxClients) {
  platform::FakeClock clock;
  RateLimiter limiter(clock, Limit(1, 10, 8));
  for (int i = 0; i < 100; ++i) {
    (void)limiter.Admit("10.0.1." + std::to_string(i));
    EXPECT_LE(limiter.tracked_clients(), 8u);
  }
  EXPECT_EQ(limiter.tracked_clients(), 8u);
}

TEST(RateLimiterTest, AFullTableForgetsTheLeastRecentlySeenAddressFirst) {
  platform::FakeClock clock;
  RateLimiter limiter(clock, Limit(1, 2, 2));
  ASSERT_EQ(AdmittedInARow(limiter, "10.0.0.1"), 2);
  clock.Advance(milliseconds(10));
  ASSERT_EQ(AdmittedInARow(limiter, "10.0.0.2"), 2);
  clock.Advance(milliseconds(10));
  (void)limiter.Admit("10.0.0.3");  // evicts 10.0.0.1, the least recently seen
  EXPECT_TRUE(limiter.Admit("10.0.0.2").has_value()) << "10.0.0.2 must still be limited";
  EXPECT_EQ(limiter.tracked_clients(), 2u);
}

TEST(RateLimiterTest, RefilledBucketsAreDroppedBeforeBusyOnes) {
  platform::FakeClock clock;
  RateLimiter limiter(clock, Limit(1, 2, 2));
  ASSERT_EQ(AdmittedInARow(limiter, "10.0.0.1"), 2);  // busy
  (void)limiter.Admit("10.0.0.2");                    // one token left
  clock.Advance(seconds(1));  // 10.0.0.2 is full again; 10.0.0.1 has one token
  (void)limiter.Admit("10.0.0.1");
  (void)limiter.Admit("10.0.0.3");  // room made by dropping 10.0.0.2, not the older 10.0.0.1
  EXPECT_TRUE(limiter.Admit("10.0.0.1").has_value()) << "10.0.0.1 must still be limited";
}

TEST(RateLimiterTest, NewLimitsApplyToTheNextRequest) {
  platform::FakeClock clock;
  RateLimiter limiter(clock, Limit(100, 1000));
  ASSERT_EQ(AdmittedInARow(limiter, "10.0.0.7", 10), 10);
  limiter.SetLimit(Limit(1, 2));
  EXPECT_EQ(AdmittedInARow(limiter, "10.0.0.7"), 2);  // tokens capped at the new burst
  limiter.SetLimit(Limit(0, 2));
  EXPECT_EQ(AdmittedInARow(limiter, "10.0.0.7", 100), 100);
}

TEST(RateLimiterTest, ANewExemptListAppliesToTheNextRequest) {
  platform::FakeClock clock;
  RateLimit no_exempt = Limit(1, 1);
  no_exempt.exempt.clear();
  RateLimiter limiter(clock, no_exempt);
  ASSERT_EQ(AdmittedInARow(limiter, "127.0.0.1"), 1);
  limiter.SetLimit(Limit(1, 1));
  EXPECT_EQ(AdmittedInARow(limiter, "127.0.0.1", 20), 20);
}

}  // namespace
}  // namespace optin::net::rate_limiter_test
