// Time, behind an interface so that tests control it. Wall time is for records (consent
// timestamps, expiries); monotonic time is for timeouts and intervals.
// SystemClock and FakeClock are thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace optin::platform {

using WallTime = std::chrono::system_clock::time_point;
using MonoTime = std::chrono::steady_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual WallTime Now() const = 0;
  virtual MonoTime Monotonic() const = 0;

  // Seconds since the Unix epoch, the unit stored in the database.
  int64_t NowUnix() const {
    return std::chrono::duration_cast<std::chrono::seconds>(Now().time_since_epoch()).count();
  }
};

// "2026-12-06T04:20:00Z": Unix seconds as an ISO 8601 / RFC 3339 UTC timestamp.
std::string FormatIso8601Utc(int64_t unix_seconds);

class SystemClock final : public Clock {
 public:
  WallTime Now() const override { return std::chrono::system_clock::now(); }
  MonoTime Monotonic() const override { return std::chrono::steady_clock::now(); }
  static SystemClock& Instance();
};

// A clock that moves only when told. Both wall and monotonic time advance together.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t unix_seconds = 1'790'000'000)
      : nanos_(unix_seconds * 1'000'000'000LL) {}

  WallTime Now() const override {
    return WallTime(
        std::chrono::duration_cast<WallTime::duration>(std::chrono::nanoseconds(nanos_.load())));
  }
  MonoTime Monotonic() const override { return MonoTime(std::chrono::nanoseconds(nanos_.load())); }
  void Advance(std::chrono::nanoseconds d) { nanos_ += d.count(); }
  void SetUnix(int64_t unix_seconds) { nanos_ = unix_seconds * 1'000'000'000LL; }

 private:
  std::atomic<int64_t> nanos_;
};

}  // namespace optin::platform
