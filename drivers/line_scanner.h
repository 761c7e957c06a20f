// A device scanner whose byte stream is text split into scans at the terminator (LineDecoder):
// what the serial and FIFO scanners share; they add only how their device is opened.
// Thread-safety: as Scanner.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "drivers/device_scanner.h"
#include "drivers/line_decoder.h"

namespace optin::drivers {

class LineScanner : public DeviceScanner {
 protected:
  LineScanner(const ScannerConfig& config, platform::FileSystem& fs, const platform::Clock& clock)
      : DeviceScanner(config, fs, clock), decoder_(config) {}

  std::vector<DecodedScan> Decode(std::string_view bytes, platform::MonoTime now) final {
    return decoder_.Feed(bytes, now);
  }
  std::optional<DecodedScan> Expire(platform::MonoTime now) final { return decoder_.Expire(now); }
  std::optional<platform::MonoTime> deadline() const final { return decoder_.deadline(); }
  void ResetDecoder() final { decoder_.Reset(); }

 private:
  LineDecoder decoder_;
};

}  // namespace optin::drivers
