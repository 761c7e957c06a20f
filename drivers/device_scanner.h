// The reading thread shared by the real scanner drivers (evdev, serial, FIFO): opens the
// device, reads it with poll() beside a stop eventfd, decodes, filters (refused scans counted
// and logged without content; a token bucket per scanner drops floods) and delivers scans.
// When the device vanishes (read error, ENODEV, hang-up, or it cannot be opened) the state
// becomes disconnected and the thread retries with exponential backoff (100 ms doubling to 5 s)
// in a condition-variable wait that Stop() interrupts; each state change is logged once.
// Start/Stop from the owner's thread; callbacks on the driver's thread (see Scanner).
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "drivers/scan_assembler.h"
#include "drivers/scanner.h"
#include "drivers/token_bucket.h"

namespace optin::drivers {

class DeviceScanner : public Scanner {
 public:
  ~DeviceScanner() override;
  DeviceScanner(const DeviceScanner&) = delete;
  DeviceScanner& operator=(const DeviceScanner&) = delete;

  Status Start(ScanCallback on_scan, StateCallback on_state = {}) override;
  void Stop() override;
  ScannerStats stats() const override;

  // Backoff between attempts to reopen a vanished device.
  static constexpr std::chrono::milliseconds kFirstRetry{100};
  static constexpr std::chrono::milliseconds kMaxRetry{5000};

 protected:
  DeviceScanner(ScannerConfig config, platform::FileSystem& fs, const platform::Clock& clock);

  // What reading 0 bytes means for this kind of device.
  enum class EndOfFile { kDeviceGone, kReopen };

  // Opens the device for non-blocking reads and prepares it (grab, termios). The caller owns
  // the descriptor. Runs on the driver's thread.
  virtual Result<int> OpenDevice() = 0;
  // Decodes bytes read at `now` (evdev: whole input_event records).
  virtual std::vector<DecodedScan> Decode(std::string_view bytes, platform::MonoTime now) = 0;
  // Drops a stale partial scan; `deadline` says when the next one goes stale.
  virtual std::optional<DecodedScan> Expire(platform::MonoTime now) = 0;
  virtual std::optional<platform::MonoTime> deadline() const = 0;
  // The device was (re)opened: forget partial scans and held keys.
  virtual void ResetDecoder() = 0;
  virtual EndOfFile OnEndOfFile() const { return EndOfFile::kDeviceGone; }
  // Checked while idle: false when the device is gone though reads do not say so (a FIFO that
  // was removed).
  virtual bool StillPresent(int /*fd*/) const { return true; }

  const ScannerConfig& config() const { return config_; }
  platform::FileSystem& fs() { return fs_; }

 private:
  enum class SessionEnd { kStopping, kDeviceGone, kReopen };
  void Run();
  SessionEnd ReadSession(int fd, std::string& why);
  void Deliver(DecodedScan scan);
  void SetState(ScannerState state, std::string_view detail = {});
  // Waits `d` unless Stop() is called first; false when stopping.
  bool WaitUnlessStopping(std::chrono::milliseconds d);
  bool stopping() const;

  const ScannerConfig config_;
  platform::FileSystem& fs_;
  const platform::Clock& clock_;
  ScanCallback on_scan_;
  StateCallback on_state_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // GUARDED_BY(mu_)
  bool started_ = false;   // GUARDED_BY(mu_)
  ScannerStats stats_;     // GUARDED_BY(mu_)
  int stop_fd_ = -1;       // eventfd: wakes poll() on Stop()
  std::thread thread_;

  // Driver thread only.
  std::optional<ScannerState> state_;
  TokenBucket bucket_;
  platform::MonoTime refused_logged_{};
  platform::MonoTime limited_logged_{};
  uint64_t refused_unlogged_ = 0;
  uint64_t limited_unlogged_ = 0;
  bool logged_refusal_ = false;
  bool logged_limit_ = false;
};

}  // namespace optin::drivers
