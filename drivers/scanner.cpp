#include "drivers/scanner.h"

#include <algorithm>

#include "drivers/evdev_scanner.h"
#include "drivers/fifo_scanner.h"
#include "drivers/serial_scanner.h"

namespace optin::drivers {

std::string_view ToString(ScannerKind kind) {
  switch (kind) {
    case ScannerKind::kEvdev:
      return "evdev";
    case ScannerKind::kSerial:
      return "serial";
    case ScannerKind::kFifo:
      return "fifo";
  }
  return "unknown";
}

std::string_view ToString(Terminator terminator) {
  switch (terminator) {
    case Terminator::kEnter:
      return "enter";
    case Terminator::kTab:
      return "tab";
    case Terminator::kCr:
      return "cr";
    case Terminator::kLf:
      return "lf";
  }
  return "unknown";
}

std::string_view ToString(ScannerState state) {
  switch (state) {
    case ScannerState::kConnected:
      return "connected";
    case ScannerState::kDisconnected:
      return "disconnected";
    case ScannerState::kStopped:
      return "stopped";
  }
  return "unknown";
}

std::optional<ScannerKind> ParseScannerKind(std::string_view s) {
  for (ScannerKind k : {ScannerKind::kEvdev, ScannerKind::kSerial, ScannerKind::kFifo}) {
    if (s == ToString(k)) return k;
  }
  return std::nullopt;
}

std::optional<Terminator> ParseTerminator(std::string_view s) {
  for (Terminator t : {Terminator::kEnter, Terminator::kTab, Terminator::kCr, Terminator::kLf}) {
    if (s == ToString(t)) return t;
  }
  return std::nullopt;
}

Status ValidateScannerConfig(const ScannerConfig& c) {
  const std::string who = "scanner '" + c.name + "'";
  auto bad = [&](std::string what, std::string reason = "invalid-scanner") {
    return Fail(ErrorCode::kInvalidArgument, who + ": " + what, "scanners", std::move(reason));
  };
  if (c.name.empty() || c.name.size() > 64) {
    return Fail(ErrorCode::kInvalidArgument, "a scanner needs a name of 1 to 64 characters",
                "scanners", "invalid-scanner");
  }
  if (c.device.empty()) return bad("needs a device path");
  // PRODUCT.md line 1: no camera, ever. Not even a scanner that happens to be a camera.
  if (platform::IsVideoDevicePath(c.device)) {
    return bad("device " + c.device.string() +
                   " is a video device; optin-edge never opens a camera (no /dev/video*, "
                   "/dev/media*, /dev/v4l*): use the scanner's keyboard (evdev) or serial mode",
               "video-device-refused");
  }
  if (c.kind == ScannerKind::kSerial) {
    const auto rates = SupportedBaudRates();
    if (std::find(rates.begin(), rates.end(), c.baud) == rates.end()) {
      std::string list;
      for (int r : rates) list += (list.empty() ? "" : ", ") + std::to_string(r);
      return bad("baud " + std::to_string(c.baud) + " is not a standard rate; use one of " + list);
    }
  }
  if (c.partial_timeout.count() < 1 || c.partial_timeout.count() > 60'000) {
    return bad("partial_timeout must be 1 ms to 60 s");
  }
  if (c.max_length < 1 || c.max_length > 65536) return bad("max_length must be 1 to 65536");
  if (c.max_scans_per_second < 1 || c.max_scans_per_second > 100'000) {
    return bad("max_scans_per_second must be 1 to 100000");
  }
  return Ok();
}

Result<std::unique_ptr<Scanner>> MakeScanner(const ScannerConfig& config, platform::FileSystem& fs,
                                             const platform::Clock& clock) {
  OPTIN_TRY(ValidateScannerConfig(config));
  switch (config.kind) {
    case ScannerKind::kEvdev:
      return std::make_unique<EvdevScanner>(config, fs, clock);
    case ScannerKind::kSerial:
      return std::make_unique<SerialScanner>(config, fs, clock);
    case ScannerKind::kFifo:
      return std::make_unique<FifoScanner>(config, fs, clock);
  }
  return Fail(ErrorCode::kInvalidArgument, "unknown scanner kind", "scanners", "invalid-scanner");
}

}  // namespace optin::drivers
