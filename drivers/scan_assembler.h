// Assembles one scan from characters as they arrive, shared by the keyboard and line decoders:
// only printable ASCII is kept; a control character, a non-ASCII byte, an unknown key or a scan
// longer than the limit taints the scan so that it is refused at its terminator; a scan whose
// characters stop arriving for `partial_timeout` is dropped as incomplete. Pure (time is passed
// in); not thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "platform/clock.h"

namespace optin::drivers {

enum class ScanRefusal {
  kTooLong,           // more than max_length characters
  kControlCharacter,  // a control character (or Ctrl/Alt chord) inside the scan
  kNotAscii,          // a byte or Alt+numpad code outside printable ASCII
  kUnknownKey,        // a key our US table does not know (F-keys, arrows, ...)
  kIncomplete,        // the terminator never came within partial_timeout
};
std::string_view ToString(ScanRefusal refusal);  // "too-long", "control-character", ...

// A complete scan or a refused one (its text is then empty: refused content is not kept).
struct DecodedScan {
  std::string text;
  std::optional<ScanRefusal> refusal;
  bool ok() const { return !refusal; }
};

class ScanAssembler {
 public:
  ScanAssembler(size_t max_length, std::chrono::milliseconds partial_timeout)
      : max_length_(max_length), partial_timeout_(partial_timeout) {}

  // Drops the scan in progress if nothing arrived for partial_timeout before `now`.
  std::optional<DecodedScan> ExpireIfStale(platform::MonoTime now);
  // Adds one character (checked: printable ASCII only) received at `now`.
  void Add(char c, platform::MonoTime now);
  // Marks the scan in progress as bad (the first reason is kept).
  void Taint(ScanRefusal reason, platform::MonoTime now);
  // At the terminator: the scan, its refusal, or nothing when nothing arrived.
  std::optional<DecodedScan> Finish();
  void Reset();

  bool in_progress() const { return !text_.empty() || taint_.has_value(); }
  // When the scan in progress goes stale (nothing when none is in progress).
  std::optional<platform::MonoTime> deadline() const;

 private:
  size_t max_length_;
  std::chrono::milliseconds partial_timeout_;
  std::string text_;
  std::optional<ScanRefusal> taint_;
  platform::MonoTime last_{};
};

}  // namespace optin::drivers
