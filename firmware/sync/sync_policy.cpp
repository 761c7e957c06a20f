#include "sync/sync_policy.h"

namespace optin::sync {

Result<int64_t> ParseEpsilonMicros(std::string_view text) {
  auto bad = [&text] {
    return Fail(
        ErrorCode::kInvalidArgument,
        "'" + std::string(text) +
            "' is not an epsilon: write a decimal such as \"1.0\" or \"0.25\" (more than 0, "
            "at most 100, at most 6 decimals)");
  };
  const size_t dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  if (whole.empty() || whole.size() > 3 || frac.size() > 6) return bad();
  if (dot != std::string_view::npos && frac.empty()) return bad();
  int64_t micros = 0;
  for (char ch : whole) {
    if (ch < '0' || ch > '9') return bad();
    micros = micros * 10 + (ch - '0');
  }
  micros *= 1'000'000;
  int64_t scale = 100'000;
  for (char ch : frac) {
    if (ch < '0' || ch > '9') return bad();
    micros += (ch - '0') * scale;
    scale /= 10;
  }
  if (micros <= 0 || micros > 100'000'000) return bad();
  return micros;
}

}  // namespace optin::sync
