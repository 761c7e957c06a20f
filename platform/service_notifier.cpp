#include "platform/service_notifier.h"

#include <systemd/sd-daemon.h>

#include <string>

namespace optin::platform {
namespace {

void Notify(const std::string& state) { (void)sd_notify(0, state.c_str()); }

}  // namespace

void ServiceNotifier::Ready(std::string_view status) const {
  Notify("READY=1\nSTATUS=" + std::string(status));
}

void ServiceNotifier::Stopping() const { Notify("STOPPING=1\nSTATUS=stopping"); }

void ServiceNotifier::Watchdog() const { Notify("WATCHDOG=1"); }

void ServiceNotifier::Status(std::string_view status) const {
  Notify("STATUS=" + std::string(status));
}

std::optional<std::chrono::microseconds> ServiceNotifier::WatchdogTimeout() const {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
    return std::chrono::microseconds(usec);
  }
  return std::nullopt;
}

}  // namespace optin::platform
