// Why the server refused a request before routing it (malformed framing, limits, a bad
// WebSocket handshake, the rate limit), as a value: the status, a stable reason slug (the
// problem's type is urn:optin-edge:problem:<reason>, and the reason labels the refusal counter,
// so the set is fixed: kRefusalReasons) and a detail for a person. Value type; thread-compatible.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "net/http_message.h"

namespace optin::net {

// Every reason a Refusal may carry, each a problem type and a metrics label.
inline constexpr std::array<std::string_view, 18> kRefusalReasons = {
    "bad-request-line",               // method, target or version not as RFC 9112 section 3 says
    "unsupported-http-version",       // 505: not HTTP/1.0 or HTTP/1.1
    "bad-line-ending",                // a bare CR or LF where CRLF belongs
    "obsolete-line-folding",          // a header line starting with a space or tab
    "bad-header-field",               // a name that is not a token, a space before the colon, a CTL
    "bad-host",                       // HTTP/1.1 without Host, Host twice, or not a host[:port]
    "bad-content-length",             // not 1*DIGIT, a leading zero, a list, or sent twice
    "bad-transfer-encoding",          // not exactly "chunked", chunked twice, or in HTTP/1.0
    "unsupported-transfer-coding",    // 501: a coding other than chunked
    "ambiguous-length",               // both Content-Length and Transfer-Encoding
    "bad-chunk",                      // a chunk size, extension or trailer that does not parse
    "bad-request",                    // anything else the parser refused
    "headers-too-large",              // 431
    "payload-too-large",              // 413
    "expectation-failed",             // 417: an Expect other than 100-continue
    "bad-websocket-handshake",        // 400: an upgrade without a valid Sec-WebSocket-Key
    "unsupported-websocket-version",  // 426: Sec-WebSocket-Version other than 13
    "rate-limited",                   // 429: past the listener's rate limit
};

struct Refusal {
  int status = 400;
  std::string_view reason = "bad-request";  // one of kRefusalReasons
  std::string detail;

  // The problem+json answer: type urn:optin-edge:problem:<reason>.
  Response ToProblem() const;
};

}  // namespace optin::net
