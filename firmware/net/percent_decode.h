// Percent-decoding of URL path segments (RFC 3986 section 2.1), for the router and the
// session. Pure function; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace optin::net {

// Decodes "%HH" escapes. A '%' not followed by two hex digits is kept as it is; '+' is kept
// (it means a space only in form bodies, not in paths).
std::string PercentDecode(std::string_view text);

}  // namespace optin::net
