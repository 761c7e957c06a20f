// Failed logins per client (the peer address), in memory: after max_failures within the window,
// the client is refused until the window has passed. The box's staff logins
// (assist::StaffSessions) and optin-hq's people logins (hq::LoginLimiter) both count with it; it
// sits here because both may depend on platform/. Bounded: at most max_clients are tracked;
// beyond that expired windows go first, then the oldest. Client keys are never logged.
// Thread-safe (one mutex, never held while calling out).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "platform/clock.h"

namespace optin::platform {

class ClientLoginLimiter {
 public:
  ClientLoginLimiter(const platform::Clock& clock, int64_t max_failures,
                     std::chrono::seconds window, size_t max_clients = 4096);

  // False while the client has used up its failures in the current window.
  bool Allowed(std::string_view client) const;
  void RecordFailure(std::string_view client);
  // How long until the client may try again: zero while Allowed(), else the rest of its window
  // (at least one second).
  std::chrono::seconds RetryAfter(std::string_view client) const;
  size_t tracked() const;

 private:
  struct Window {
    platform::MonoTime started;
    int64_t failures = 0;
  };
  bool Expired(const Window& w, platform::MonoTime now) const { return now - w.started >= window_; }

  const platform::Clock& clock_;
  const int64_t max_failures_;
  const std::chrono::seconds window_;
  const size_t max_clients_;
  mutable std::mutex mu_;
  std::map<std::string, Window, std::less<>> windows_;  // GUARDED_BY(mu_)
};

}  // namespace optin::platform
