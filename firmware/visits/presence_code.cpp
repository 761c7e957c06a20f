#include "visits/presence_code.h"

#include <cctype>

#include "platform/crypto.h"
#include "platform/encoding.h"

namespace optin::visits {

std::string PresenceCode::ForStep(int64_t step) const {
  std::string msg = "presence";
  for (int shift = 56; shift >= 0; shift -= 8) {
    msg.push_back(static_cast<char>((static_cast<uint64_t>(step) >> shift) & 0xff));
  }
  std::string mac = platform::HmacSha256(key_, msg);
  return platform::Base32CrockfordEncode(mac.substr(0, 5));  // 40 bits -> 8 characters
}

int64_t PresenceCode::SecondsRemaining() const {
  return step_.count() - clock_.NowUnix() % step_.count();
}

bool PresenceCode::Accepts(std::string_view code, int64_t previous_steps) const {
  if (code.size() != 8) return false;
  std::string upper(code);
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  const int64_t step = CurrentStep();
  bool match = false;
  // Every step is compared (no early exit), so timing does not tell which one matched.
  for (int64_t back = 0; back <= std::max<int64_t>(previous_steps, 0); ++back) {
    match |= platform::ConstantTimeEquals(upper, ForStep(step - back));
  }
  return match;
}

}  // namespace optin::visits
