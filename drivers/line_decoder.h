// Splits the byte stream of a serial or FIFO scanner into scans at the configured terminator
// (enter: CR or LF or CRLF; cr; lf; tab), stripping stray CR/LF, refusing control characters,
// non-ASCII bytes and over-long scans, and dropping a scan whose bytes stop arriving for
// partial_timeout. Pure (time is passed in); not thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "drivers/scan_assembler.h"
#include "drivers/scanner.h"
#include "platform/clock.h"

namespace optin::drivers {

class LineDecoder {
 public:
  LineDecoder(Terminator terminator, size_t max_length, std::chrono::milliseconds partial_timeout)
      : terminator_(terminator), text_(max_length, partial_timeout) {}
  explicit LineDecoder(const ScannerConfig& config)
      : LineDecoder(config.terminator, config.max_length, config.partial_timeout) {}

  // Bytes received at monotonic time `now`; returns the scans they completed or refused.
  std::vector<DecodedScan> Feed(std::string_view bytes, platform::MonoTime now);
  std::optional<DecodedScan> Expire(platform::MonoTime now) { return text_.ExpireIfStale(now); }
  std::optional<platform::MonoTime> deadline() const { return text_.deadline(); }
  void Reset() { text_.Reset(); }

 private:
  Terminator terminator_;
  ScanAssembler text_;
};

}  // namespace optin::drivers
