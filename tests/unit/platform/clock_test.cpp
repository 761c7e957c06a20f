#include "platform/clock.h"

#include <gtest/gtest.h>

namespace optin::platform::clock_test {
namespace {

TEST(ClockTest, SystemClockIsOneInstanceNearTheRealTime) {
  EXPECT_EQ(&SystemClock::Instance(), &SystemClock::Instance());
  const auto before = std::chrono::system_clock::now();
  const auto now = SystemClock::Instance().Now();
  const auto after = std::chrono::system_clock::now();
  EXPECT_LE(before, now);
  EXPECT_LE(now, after);
  EXPECT_GT(SystemClock::Instance().NowUnix(), 1'700'000'000);
}

TEST(ClockTest, FakeClockMovesOnlyWhenTold) {
  FakeClock clock(1'800'000'000);
  EXPECT_EQ(clock.NowUnix(), 1'800'000'000);
  const MonoTime start = clock.Monotonic();
  clock.Advance(std::chrono::seconds(90));
  EXPECT_EQ(clock.NowUnix(), 1'800'000'090);
  EXPECT_EQ(clock.Monotonic() - start, std::chrono::seconds(90));
  clock.SetUnix(5);
  EXPECT_EQ(clock.NowUnix(), 5);
}

}  // namespace
}  // namespace optin::platform::clock_test
