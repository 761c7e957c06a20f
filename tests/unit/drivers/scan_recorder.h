// Test helper: collects what a scanner delivers (scans, state changes) from the driver's
// thread and lets a test wait for it with a deadline instead of sleeping. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "drivers/scanner.h"

namespace optin::drivers {

class ScanRecorder {
 public:
  static constexpr std::chrono::seconds kDeadline{10};

  Scanner::ScanCallback OnScan() {
    return [this](Scan s) {
      std::lock_guard lock(mu_);
      scans_.push_back(std::move(s));
      cv_.notify_all();
    };
  }
  Scanner::StateCallback OnState() {
    return [this](ScannerState s) {
      std::lock_guard lock(mu_);
      states_.push_back(s);
      cv_.notify_all();
    };
  }

  // Waits until at least `n` scans arrived (or the deadline); returns the scans' texts.
  std::vector<std::string> WaitForScans(size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, kDeadline, [&] { return scans_.size() >= n; });
    return Texts();
  }
  // Waits until `state` has been reported `times` times in total (or the deadline).
  bool WaitForState(ScannerState state, size_t times = 1) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kDeadline, [&] { return CountState(state) >= times; });
  }
  std::vector<std::string> texts() {
    std::lock_guard lock(mu_);
    return Texts();
  }
  std::vector<Scan> scans() {
    std::lock_guard lock(mu_);
    return scans_;
  }
  std::vector<ScannerState> states() {
    std::lock_guard lock(mu_);
    return states_;
  }

 private:
  std::vector<std::string> Texts() const {
    std::vector<std::string> out;
    for (const Scan& s : scans_) out.push_back(s.text);
    return out;
  }
  size_t CountState(ScannerState state) const {
    size_t n = 0;
    for (ScannerState s : states_) n += s == state ? 1 : 0;
    return n;
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Scan> scans_;
  std::vector<ScannerState> states_;
};

// Polls `pred` (every millisecond) until it holds or the deadline passes: for counters that
// have no event to wait on.
inline bool Eventually(const std::function<bool()>& pred,
                       std::chrono::milliseconds deadline = std::chrono::seconds(10)) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

}  // namespace optin::drivers
