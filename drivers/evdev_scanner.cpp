#include "drivers/evdev_scanner.h"

#include <fcntl.h>
#include <linux/input.h>
#include <sys/ioctl.h>

#include <cerrno>
#include <cstring>

#include "platform/log.h"

namespace optin::drivers {

EvdevScanner::EvdevScanner(ScannerConfig config, platform::FileSystem& fs,
                           const platform::Clock& clock)
    : DeviceScanner(config, fs, clock), decoder_(config) {}

Result<int> EvdevScanner::OpenDevice() {
  OPTIN_ASSIGN_OR_RETURN(int fd, fs().OpenDevice(config().device, O_RDONLY | O_NONBLOCK));
  // Take the device: its keys then reach only us, not the console or a desktop session.
  if (::ioctl(fd, EVIOCGRAB, 1) != 0) {
    platform::log::Warn("scanner.grab_failed", {{"scanner", config().name},
                                                {"device", config().device.string()},
                                                {"error", std::strerror(errno)}});
  }
  return fd;
}

std::vector<DecodedScan> EvdevScanner::Decode(std::string_view bytes, platform::MonoTime now) {
  std::vector<DecodedScan> out;
  pending_.append(bytes);
  size_t at = 0;
  while (pending_.size() - at >= sizeof(input_event)) {
    input_event ev;
    std::memcpy(&ev, pending_.data() + at, sizeof ev);
    at += sizeof ev;
    for (DecodedScan& scan : decoder_.Feed(ev.type, ev.code, ev.value, now)) {
      out.push_back(std::move(scan));
    }
  }
  pending_.erase(0, at);
  return out;
}

}  // namespace optin::drivers
