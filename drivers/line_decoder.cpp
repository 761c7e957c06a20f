#include "drivers/line_decoder.h"

namespace optin::drivers {

std::vector<DecodedScan> LineDecoder::Feed(std::string_view bytes, platform::MonoTime now) {
  std::vector<DecodedScan> out;
  for (char c : bytes) {
    if (auto stale = text_.ExpireIfStale(now)) out.push_back(std::move(*stale));
    bool ends = false;
    switch (terminator_) {
      case Terminator::kEnter:
        ends = c == '\r' || c == '\n';
        break;
      case Terminator::kCr:
        ends = c == '\r';
        break;
      case Terminator::kLf:
        ends = c == '\n';
        break;
      case Terminator::kTab:
        ends = c == '\t';
        break;
    }
    if (ends) {
      if (auto scan = text_.Finish()) out.push_back(std::move(*scan));
    } else if (c != '\r' && c != '\n') {  // stray line endings are stripped
      text_.Add(c, now);
    }
  }
  return out;
}

}  // namespace optin::drivers
