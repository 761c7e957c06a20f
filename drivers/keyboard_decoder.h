// Decodes a keyboard-wedge scanner's key events (Linux evdev input_event type/code/value) into
// scans with our own fixed US table: the host's keyboard layout never garbles a scan (a Czech
// layout once turned digits into accented letters). Handles Shift, Caps Lock, the numeric
// keypad, Alt+keypad decimal codes (Datalogic: Alt held, 0 6 5 on the keypad, Alt released =
// 'A'), a configurable terminator key, incomplete scans (dropped after partial_timeout) and
// over-long or garbled scans (refused). Pure (time is passed in); not thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "drivers/scan_assembler.h"
#include "drivers/scanner.h"
#include "platform/clock.h"

namespace optin::drivers {

class KeyboardDecoder {
 public:
  KeyboardDecoder(Terminator terminator, size_t max_length,
                  std::chrono::milliseconds partial_timeout);
  explicit KeyboardDecoder(const ScannerConfig& config)
      : KeyboardDecoder(config.terminator, config.max_length, config.partial_timeout) {}

  // One input_event (type EV_KEY/EV_SYN/EV_MSC..., code KEY_*, value 1 press / 2 repeat /
  // 0 release) received at monotonic time `now`. Returns the scans it completed or refused.
  std::vector<DecodedScan> Feed(uint16_t type, uint16_t code, int32_t value,
                                platform::MonoTime now);
  // Drops a scan in progress that went stale by `now` (call when the device is idle).
  std::optional<DecodedScan> Expire(platform::MonoTime now) { return text_.ExpireIfStale(now); }
  std::optional<platform::MonoTime> deadline() const { return text_.deadline(); }
  // Forgets everything (the device was reconnected: no key is held).
  void Reset();

 private:
  void Press(uint16_t code, platform::MonoTime now, std::vector<DecodedScan>& out);
  void Release(uint16_t code, platform::MonoTime now, std::vector<DecodedScan>& out);
  void Terminate(std::vector<DecodedScan>& out);
  bool alt() const { return left_alt_ || right_alt_; }
  bool shift() const { return left_shift_ || right_shift_; }
  bool ctrl() const { return left_ctrl_ || right_ctrl_; }
  bool meta() const { return left_meta_ || right_meta_; }

  Terminator terminator_;
  ScanAssembler text_;
  bool left_shift_ = false, right_shift_ = false;
  bool left_alt_ = false, right_alt_ = false;
  bool left_ctrl_ = false, right_ctrl_ = false;
  bool left_meta_ = false, right_meta_ = false;
  bool caps_lock_ = false;
  int alt_code_ = 0;    // the decimal code typed on the keypad while Alt is held
  int alt_digits_ = 0;  // how many digits of it
};

}  // namespace optin::drivers
