// A pretend scanner for development and tests: a named pipe (`echo CODE > var/scanner.fifo`),
// created with mode 0600 if missing, read line by line (LineDecoder). It is opened read-write so
// that writers coming and going never end the stream; it is reopened on end of file, and
// reported disconnected when the FIFO is removed (then recreated on the next attempt).
// Thread-safety: as Scanner.
#pragma once

#include <sys/types.h>

#include "drivers/device_scanner.h"
#include "drivers/line_decoder.h"

namespace optin::drivers {

class FifoScanner final : public DeviceScanner {
 public:
  FifoScanner(ScannerConfig config, platform::FileSystem& fs, const platform::Clock& clock);
  ~FifoScanner() override { Stop(); }

 protected:
  Result<int> OpenDevice() override;
  std::vector<DecodedScan> Decode(std::string_view bytes, platform::MonoTime now) override {
    return decoder_.Feed(bytes, now);
  }
  std::optional<DecodedScan> Expire(platform::MonoTime now) override {
    return decoder_.Expire(now);
  }
  std::optional<platform::MonoTime> deadline() const override { return decoder_.deadline(); }
  void ResetDecoder() override { decoder_.Reset(); }
  EndOfFile OnEndOfFile() const override { return EndOfFile::kReopen; }
  bool StillPresent(int fd) const override;

 private:
  LineDecoder decoder_;
};

}  // namespace optin::drivers
