// Failed logins per client address, in memory, as on the box's staff console: after
// max_failures within the window the address is refused (429) until its window has passed, so
// that one client cannot try passwords across many ids (the per-account lockout is in
// accounts.h). Bounded: at most max_clients windows; when full, the oldest is dropped. Addresses
// are never logged. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "platform/clock.h"

namespace optin::hq {

class LoginLimiter {
 public:
  LoginLimiter(const platform::Clock& clock, int64_t max_failures = 20,
               std::chrono::seconds window = std::chrono::minutes(15), size_t max_clients = 4096);

  // How long the client must wait; zero when it may try.
  std::chrono::seconds RetryAfter(std::string_view client) const;
  void RecordFailure(std::string_view client);

 private:
  struct Window {
    platform::MonoTime started;
    int64_t failures = 0;
  };
  const platform::Clock& clock_;
  const int64_t max_failures_;
  const std::chrono::seconds window_;
  const size_t max_clients_;
  mutable std::mutex mu_;
  std::map<std::string, Window, std::less<>> windows_;  // GUARDED_BY(mu_)
};

}  // namespace optin::hq
