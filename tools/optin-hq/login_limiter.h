// Failed logins per client address on HQ's people listener, counted as on the box's staff
// console (platform::ClientLoginLimiter): after 20 failures within 15 minutes the address is
// refused (429) until its window has passed, so that one client cannot try passwords across many
// ids (the per-account lockout is in accounts.h). At most 4096 addresses are tracked. Addresses
// are never logged. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>

#include "platform/client_login_limiter.h"
#include "platform/clock.h"

namespace optin::hq {

class LoginLimiter final : public platform::ClientLoginLimiter {
 public:
  explicit LoginLimiter(const platform::Clock& clock, int64_t max_failures = 20,
                        std::chrono::seconds window = std::chrono::minutes(15),
                        size_t max_clients = 4096)
      : ClientLoginLimiter(clock, max_failures, window, max_clients) {}
};

}  // namespace optin::hq
