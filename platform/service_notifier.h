// Tells the service manager (systemd, Type=notify) how the daemon is doing: READY=1 once it
// serves, STOPPING=1 on shutdown, WATCHDOG=1 pings, and a one-line STATUS. Without a
// NOTIFY_SOCKET (not run by systemd) every call does nothing. Thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace optin::platform {

class ServiceNotifier {
 public:
  void Ready(std::string_view status) const;
  void Stopping() const;
  void Watchdog() const;
  void Status(std::string_view status) const;
  // The watchdog period systemd expects pings within (WatchdogSec=), when enabled for this
  // process. Ping at half of it.
  std::optional<std::chrono::microseconds> WatchdogTimeout() const;
};

}  // namespace optin::platform
