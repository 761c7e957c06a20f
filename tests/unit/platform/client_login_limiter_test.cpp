// The per-client login limiter shared by the box's staff logins and optin-hq's people logins:
// bounded in memory, and the newest clients stay limited when it is full.
#include "platform/client_login_limiter.h"

#include <gtest/gtest.h>

#include <string>

namespace optin::platform::client_login_limiter_test {
namespace {

TEST(ClientLoginLimiterTest, ClientLimiterStaysBounded) {
  FakeClock clock(1'800'000'000);
  ClientLoginLimiter limiter(clock, 2, std::chrono::minutes(15), 8);
  for (int i = 0; i < 100; ++i) limiter.RecordFailure("client-" + std::to_string(i));
  EXPECT_LE(limiter.tracked(), 8u);
  limiter.RecordFailure("client-99");
  EXPECT_FALSE(limiter.Allowed("client-99")) << "the newest clients are still limited";
}

}  // namespace
}  // namespace optin::platform::client_login_limiter_test
