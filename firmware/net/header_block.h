// The strict reading of a request's start line and header block (RFC 9112 sections 2-7, RFC
// 9110 section 5) that the HTTP session applies before Beast parses the same bytes: anything
// two parsers (a front proxy and this server) could frame differently is refused, so one
// client's bytes never become another request. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <string_view>

#include "net/refusal.h"

namespace optin::net {

// What a complete header block that passed every check says about its request.
struct HeaderBlock {
  size_t size = 0;               // bytes from the request line through the empty line's CRLF
  unsigned version = 11;         // 10 or 11
  bool head = false;             // the method is HEAD: the answer carries no body
  bool chunked = false;          // Transfer-Encoding: chunked (exactly that, once)
  uint64_t content_length = 0;   // the body's length when not chunked (0 without a body)
  bool expect_continue = false;  // HTTP/1.1 with Expect: 100-continue
};

// Reads `bytes` (what has arrived of a request so far) up to the end of its header block.
// nullopt: the block is not complete yet and nothing seen so far is wrong (read more); a
// Refusal: the request must be answered with it and the connection closed. A block longer than
// `max_header_bytes` is refused with 431 as soon as that is known.
std::expected<std::optional<HeaderBlock>, Refusal> CheckHeaderBlock(std::string_view bytes,
                                                                    size_t max_header_bytes);

}  // namespace optin::net
