// A pretend scanner for development and tests: a named pipe (`echo CODE > var/scanner.fifo`),
// created with mode 0600 if missing, read line by line (LineDecoder). It is opened read-write so
// that writers coming and going never end the stream; it is reopened on end of file, and
// reported disconnected when the FIFO is removed (then recreated on the next attempt).
// Thread-safety: as Scanner.
#pragma once

#include <sys/types.h>

#include "drivers/line_scanner.h"

namespace optin::drivers {

class FifoScanner final : public LineScanner {
 public:
  FifoScanner(ScannerConfig config, platform::FileSystem& fs, const platform::Clock& clock);
  ~FifoScanner() override { Stop(); }

 protected:
  Result<int> OpenDevice() override;
  EndOfFile OnEndOfFile() const override { return EndOfFile::kReopen; }
  bool StillPresent(int fd) const override;
};

}  // namespace optin::drivers
