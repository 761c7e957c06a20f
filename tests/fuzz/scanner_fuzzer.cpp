// Fuzzes the scanner decoders (drivers/), the pure byte-stream -> scans parts of the serial,
// FIFO and evdev keyboard-wedge scanners. The first byte picks the decoder and its settings:
//  bit 0: LineDecoder (serial/FIFO bytes) or KeyboardDecoder (evdev input_events);
//  bits 1-2: the terminator (enter, tab, cr, lf); bits 3-7: max_length (1..32).
// The rest is a sequence of records, each with a time step, as the scanner threads feed them
// (expiring a stale scan first when its deadline has passed, as they do):
//  line:     [step: 1 byte, x 10 ms] [length: 1 byte] [bytes]
//  keyboard: [step: 1 byte, x 10 ms] [type: 1] [code: 2, little-endian] [value: 1]
// Every completed scan must be non-empty printable ASCII within max_length; a refused one
// must carry no text.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string_view>
#include <vector>

#include "drivers/keyboard_decoder.h"
#include "drivers/line_decoder.h"

namespace {

using optin::drivers::DecodedScan;
using optin::drivers::Terminator;

[[noreturn]] void Broken(const char* what) {
  std::fprintf(stderr, "property violated: %s\n", what);
  std::abort();
}

void Check(const DecodedScan& scan, size_t max_length) {
  if (!scan.ok()) {
    if (!scan.text.empty()) Broken("a refused scan kept its text");
    return;
  }
  if (scan.text.empty()) Broken("an empty scan was delivered");
  if (scan.text.size() > max_length) Broken("a scan longer than max_length was delivered");
  for (char c : scan.text) {
    if (c < 0x20 || c > 0x7e) Broken("a scan holds a byte outside printable ASCII");
  }
}

void CheckAll(const std::vector<DecodedScan>& scans, size_t max_length) {
  for (const auto& s : scans) Check(s, max_length);
}

// Evdev event types the keyboard decoder sees from a real device, and a few others.
uint16_t EventType(uint8_t b) {
  switch (b % 5) {
    case 0:
      return 0;  // EV_SYN
    case 1:
    case 2:
      return 1;  // EV_KEY
    case 3:
      return 4;  // EV_MSC
    default:
      return b;
  }
}

int32_t EventValue(uint8_t b) { return b < 250 ? b % 3 : static_cast<int8_t>(b); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t settings = data[0];
  const bool keyboard = settings & 1;
  const Terminator terminators[] = {Terminator::kEnter, Terminator::kTab, Terminator::kCr,
                                    Terminator::kLf};
  const Terminator terminator = terminators[(settings >> 1) & 3];
  const size_t max_length = 1 + (settings >> 3);
  const std::chrono::milliseconds partial_timeout{300};
  optin::platform::MonoTime now{};

  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  auto take = [&rest](size_t n) {
    std::string_view out = rest.substr(0, n);
    rest.remove_prefix(out.size());
    return out;
  };
  auto expire = [&](auto& decoder) {
    if (auto deadline = decoder.deadline(); deadline && *deadline <= now) {
      if (auto scan = decoder.Expire(now)) Check(*scan, max_length);
    }
  };

  if (!keyboard) {
    optin::drivers::LineDecoder decoder(terminator, max_length, partial_timeout);
    while (rest.size() >= 2) {
      now += std::chrono::milliseconds(10 * static_cast<uint8_t>(take(1)[0]));
      size_t length = static_cast<uint8_t>(take(1)[0]);
      expire(decoder);
      CheckAll(decoder.Feed(take(length), now), max_length);
    }
    now += std::chrono::seconds(1);
    expire(decoder);
  } else {
    optin::drivers::KeyboardDecoder decoder(terminator, max_length, partial_timeout);
    while (rest.size() >= 5) {
      auto record = take(5);
      auto byte = [&record](size_t i) { return static_cast<uint8_t>(record[i]); };
      now += std::chrono::milliseconds(10 * byte(0));
      expire(decoder);
      uint16_t code = static_cast<uint16_t>(byte(2) | (byte(3) << 8));
      CheckAll(decoder.Feed(EventType(byte(1)), code, EventValue(byte(4)), now), max_length);
    }
    now += std::chrono::seconds(1);
    expire(decoder);
  }
  return 0;
}
