#include "metrics/label_sets.h"

#include <algorithm>
#include <array>

namespace optin::metrics {

std::string_view MethodLabel(std::string_view method) {
  static constexpr std::array<std::string_view, 7> kMethods = {"GET",    "HEAD",  "POST",   "PUT",
                                                               "DELETE", "PATCH", "OPTIONS"};
  for (std::string_view m : kMethods) {
    if (m == method) return m;
  }
  return kOther;
}

std::string StatusLabel(int status) {
  if (status < 100 || status > 599) return std::string(kOther);
  return std::to_string(status);
}

std::string_view ChannelLabel(std::string_view channel) {
  static constexpr std::array<std::string_view, 3> kChannels = {"app", "loyalty_scan", "web"};
  for (std::string_view c : kChannels) {
    if (c == channel) return c;
  }
  return kOther;
}

std::string_view OneOf(std::string_view value, std::span<const std::string> allowed) {
  return std::find(allowed.begin(), allowed.end(), value) != allowed.end() ? value : kOther;
}

}  // namespace optin::metrics
