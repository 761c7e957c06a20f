// A scanner in USB serial mode (CDC-ACM, /dev/ttyACM*) or on RS-232: the port is put in raw
// mode (cfmakeraw) at the configured standard baud rate and the byte stream is split into scans
// at the terminator (LineDecoder). Thread-safety: as Scanner.
#pragma once

#include <optional>

#include "drivers/line_scanner.h"

namespace optin::drivers {

class SerialScanner final : public LineScanner {
 public:
  SerialScanner(ScannerConfig config, platform::FileSystem& fs, const platform::Clock& clock);
  ~SerialScanner() override { Stop(); }

 protected:
  Result<int> OpenDevice() override;
};

// The termios speed constant for a standard baud rate (B9600 for 9600), or nothing.
std::optional<unsigned> BaudConstant(int baud);

}  // namespace optin::drivers
