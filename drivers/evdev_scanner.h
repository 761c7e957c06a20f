// A keyboard-wedge scanner read through Linux evdev (/dev/input/by-id/...-event-kbd): the
// device is taken with EVIOCGRAB so that scans never reach the console or another program, and
// its key events are decoded with our own US table (KeyboardDecoder). Thread-safety: as
// Scanner.
#pragma once

#include <string>

#include "drivers/device_scanner.h"
#include "drivers/keyboard_decoder.h"

namespace optin::drivers {

class EvdevScanner final : public DeviceScanner {
 public:
  EvdevScanner(ScannerConfig config, platform::FileSystem& fs, const platform::Clock& clock);
  ~EvdevScanner() override { Stop(); }

 protected:
  Result<int> OpenDevice() override;
  std::vector<DecodedScan> Decode(std::string_view bytes, platform::MonoTime now) override;
  std::optional<DecodedScan> Expire(platform::MonoTime now) override {
    return decoder_.Expire(now);
  }
  std::optional<platform::MonoTime> deadline() const override { return decoder_.deadline(); }
  void ResetDecoder() override {
    decoder_.Reset();
    pending_.clear();
  }

 private:
  KeyboardDecoder decoder_;
  std::string pending_;  // a partial struct input_event
};

}  // namespace optin::drivers
