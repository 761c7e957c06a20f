#include "drivers/scan_assembler.h"

namespace optin::drivers {

std::string_view ToString(ScanRefusal refusal) {
  switch (refusal) {
    case ScanRefusal::kTooLong:
      return "too-long";
    case ScanRefusal::kControlCharacter:
      return "control-character";
    case ScanRefusal::kNotAscii:
      return "not-ascii";
    case ScanRefusal::kUnknownKey:
      return "unknown-key";
    case ScanRefusal::kIncomplete:
      return "incomplete";
  }
  return "unknown";
}

std::optional<DecodedScan> ScanAssembler::ExpireIfStale(platform::MonoTime now) {
  if (!in_progress() || now - last_ <= partial_timeout_) return std::nullopt;
  Reset();
  return DecodedScan{{}, ScanRefusal::kIncomplete};
}

void ScanAssembler::Add(char c, platform::MonoTime now) {
  const auto byte = static_cast<unsigned char>(c);
  if (byte >= 0x80) return Taint(ScanRefusal::kNotAscii, now);
  if (byte < 0x20 || byte == 0x7f) return Taint(ScanRefusal::kControlCharacter, now);
  last_ = now;
  if (taint_) return;  // refused already: keep nothing more
  if (text_.size() >= max_length_) return Taint(ScanRefusal::kTooLong, now);
  text_.push_back(c);
}

void ScanAssembler::Taint(ScanRefusal reason, platform::MonoTime now) {
  last_ = now;
  if (!taint_) taint_ = reason;
  // Refused content is not kept (and an endless key repeat cannot grow memory).
  text_.clear();
  text_.shrink_to_fit();
}

std::optional<DecodedScan> ScanAssembler::Finish() {
  if (!in_progress()) return std::nullopt;
  DecodedScan out;
  if (taint_) {
    out.refusal = taint_;
  } else {
    out.text = std::move(text_);
  }
  Reset();
  return out;
}

void ScanAssembler::Reset() {
  text_.clear();
  taint_.reset();
}

std::optional<platform::MonoTime> ScanAssembler::deadline() const {
  if (!in_progress()) return std::nullopt;
  return last_ + partial_timeout_;
}

}  // namespace optin::drivers
