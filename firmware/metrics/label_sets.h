// The fixed label values the metrics use, so that no label can ever carry something a client
// sent or something about a person: every value is mapped onto a small, known set first.
// Stateless functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace optin::metrics {

// Label value used for anything outside a fixed set.
inline constexpr std::string_view kOther = "other";

// "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", or kOther.
std::string_view MethodLabel(std::string_view method);
// The status code as three digits ("200"), or kOther outside 100..599.
std::string StatusLabel(int status);

}  // namespace optin::metrics
