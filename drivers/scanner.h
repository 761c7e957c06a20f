// A QR/barcode scanner at the kiosk, as the app sees it: it delivers scans as plain values
// through a callback and says when the device comes and goes. One interface for every kind
// (evdev keyboard wedge, serial CDC-ACM/RS-232, FIFO for development); MakeScanner builds the
// right one from an immutable ScannerConfig. A scanner never opens a camera: video, media and
// v4l device paths are refused (PRODUCT.md line 1).
// Thread-safety: Start/Stop from one owning thread; callbacks run on the driver's own thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "platform/clock.h"
#include "platform/error.h"
#include "platform/file_system.h"

namespace optin::drivers {

// One complete scan: the decoded text (printable ASCII, never logged) and the scanner's name.
struct Scan {
  std::string text;
  std::string scanner;
};

enum class ScannerKind { kEvdev, kSerial, kFifo };
enum class Terminator { kEnter, kTab, kCr, kLf };
enum class ScannerState { kConnected, kDisconnected, kStopped };

std::string_view ToString(ScannerKind kind);
std::string_view ToString(Terminator terminator);
std::string_view ToString(ScannerState state);
std::optional<ScannerKind> ParseScannerKind(std::string_view s);  // "evdev", "serial", "fifo"
std::optional<Terminator> ParseTerminator(std::string_view s);    // "enter", "tab", "cr", "lf"

struct ScannerConfig {
  std::string name;  // names the scanner in logs and scans ("kiosk")
  ScannerKind kind = ScannerKind::kEvdev;
  // evdev: /dev/input/by-id/...-event-kbd; serial: /dev/serial/by-id/... or /dev/ttyACM0;
  // fifo: a path such as var/scanner.fifo (created with mode 0600 if missing).
  std::filesystem::path device;
  int baud = 9600;  // serial only; a standard rate (SupportedBaudRates)
  Terminator terminator = Terminator::kEnter;
  // A scan whose characters stop arriving for this long is incomplete and dropped.
  std::chrono::milliseconds partial_timeout{300};
  size_t max_length = 2048;      // longer scans are refused
  int max_scans_per_second = 5;  // token bucket; excess scans are dropped
};

// Counters since Start (never scan content).
struct ScannerStats {
  uint64_t scans = 0;         // delivered to on_scan
  uint64_t refused = 0;       // garbage, control characters, too long, incomplete
  uint64_t rate_limited = 0;  // dropped by the token bucket
  uint64_t disconnects = 0;   // times the device went away
};

class Scanner {
 public:
  using ScanCallback = std::function<void(Scan)>;
  using StateCallback = std::function<void(ScannerState)>;

  virtual ~Scanner() = default;

  // Starts the driver's thread. `on_scan` receives each accepted scan and `on_state` each
  // change of the device's state (connected, disconnected; stopped last), both on the driver's
  // own thread: keep them short (post elsewhere) and never call Stop() from them. A device that
  // is missing at start is not an error: the driver reports kDisconnected and keeps retrying.
  // kFailedPrecondition if already started.
  virtual Status Start(ScanCallback on_scan, StateCallback on_state = {}) = 0;
  // Stops the thread and closes the device; no callback runs after it returns. Idempotent.
  virtual void Stop() = 0;
  virtual ScannerStats stats() const = 0;
};

// The standard serial rates MakeScanner accepts, ascending.
std::span<const int> SupportedBaudRates();

// Checks a configuration without opening anything: a name, a device path that is not a camera
// (video, media, v4l), a supported baud rate for serial, positive limits.
Status ValidateScannerConfig(const ScannerConfig& config);

// The driver for `config.kind`, not yet started. Refuses invalid configurations (above).
Result<std::unique_ptr<Scanner>> MakeScanner(const ScannerConfig& config, platform::FileSystem& fs,
                                             const platform::Clock& clock);

}  // namespace optin::drivers
