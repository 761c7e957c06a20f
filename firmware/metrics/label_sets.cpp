#include "metrics/label_sets.h"

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

}  // namespace optin::metrics
