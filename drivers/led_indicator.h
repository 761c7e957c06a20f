// An indicator LED driven through the Linux LED class (/sys/class/leds/NAME/brightness): one
// long blink for an accepted scan, three short ones for a refused scan. A small worker thread
// plays the patterns from a bounded queue, so Accepted()/Refused() never block: when the queue
// is full the new pattern is dropped (counted). The file is opened with FileSystem::OpenDevice
// (O_WRONLY) and reopened after a write error. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <mutex>
#include <string_view>
#include <thread>

#include "drivers/indicator.h"
#include "platform/file_system.h"

namespace optin::drivers {

struct BlinkPattern {
  int blinks = 1;
  std::chrono::milliseconds on{600};
  std::chrono::milliseconds off{200};
};

struct LedOptions {
  std::filesystem::path brightness;  // e.g. /sys/class/leds/kiosk:green/brightness
  BlinkPattern accepted{1, std::chrono::milliseconds(800), std::chrono::milliseconds(200)};
  BlinkPattern refused{3, std::chrono::milliseconds(150), std::chrono::milliseconds(150)};
  size_t max_queued = 4;
};

struct LedStats {
  uint64_t writes = 0;        // values written to the brightness file
  uint64_t patterns = 0;      // patterns played to the end
  uint64_t dropped = 0;       // patterns dropped because the queue was full
  uint64_t write_errors = 0;  // failed opens or writes
};

// The brightness file of an LED given by name ("kiosk:green" -> /sys/class/leds/kiosk:green/
// brightness) or by path (anything with a '/' is taken as the brightness file itself).
std::filesystem::path LedBrightnessPath(std::string_view led);

class LedIndicator final : public Indicator {
 public:
  LedIndicator(LedOptions options, platform::FileSystem& fs);
  ~LedIndicator() override;  // Stop()s
  LedIndicator(const LedIndicator&) = delete;
  LedIndicator& operator=(const LedIndicator&) = delete;

  void Accepted() override { Enqueue(options_.accepted); }
  void Refused() override { Enqueue(options_.refused); }

  // Interrupts the pattern being played, turns the LED off and ends the worker. Idempotent.
  void Stop();
  LedStats stats() const;

 private:
  void Enqueue(const BlinkPattern& pattern);
  void Run();
  void Set(bool on);
  bool WaitUnlessStopping(std::chrono::milliseconds d);

  const LedOptions options_;
  platform::FileSystem& fs_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<BlinkPattern> queue_;  // GUARDED_BY(mu_); at most options_.max_queued
  bool stopping_ = false;           // GUARDED_BY(mu_)
  LedStats stats_;                  // GUARDED_BY(mu_)
  int fd_ = -1;                     // worker thread only
  bool open_error_logged_ = false;  // worker thread only
  std::thread worker_;
};

}  // namespace optin::drivers
