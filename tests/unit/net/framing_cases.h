// The request framings a server on a hostile network must refuse (RFC 9112: transfer codings,
// Content-Length, chunk sizes, line endings, header names, Host, the request line, Expect,
// limits, WebSocket handshakes) and a few it must serve, as raw bytes with the answer each must
// get. The net tests send each over plain TCP and TLS to an HttpServer, the integration test to
// the daemon directly and through nginx; each is followed on the same connection by kHidden,
// which a refused request must never let through. Constant data; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace optin::net::testing {

struct FramingCase {
  std::string name;
  std::string bytes;  // sent as is, then kHidden
  int status;         // the first (or only) answer
  // false: the server must close after its one answer and answer nothing else. true: a
  // well-formed control: it is served and so is kHidden (which asks to close).
  bool served = false;
};

// The request smuggled after (or inside) each case: GET /secret, asking to close afterwards.
inline constexpr std::string_view kHidden =
    "GET /secret HTTP/1.1\r\nHost: box\r\nConnection: close\r\n\r\n";

// The body of the smuggling case: a complete request to kHidden's /secret.
inline std::string HiddenAsBody() { return std::string(kHidden); }

inline std::vector<FramingCase> FramingCases() {
  const std::string hidden = HiddenAsBody();
  const std::string put = "PUT /v1/me/consents/history HTTP/1.1\r\nHost: box\r\n";
  const std::string post = "POST /echo HTTP/1.1\r\nHost: box\r\n";
  const std::string chunked = post + "Transfer-Encoding: chunked\r\n\r\n";
  const std::string get = "GET /hello HTTP/1.1\r\nHost: box\r\n";
  auto with_length = [](const std::string& head, const std::string& body) {
    return head + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  };
  auto te = [&](std::string_view line) {
    return put + std::string(line) + "\r\n\r\n" + "0\r\n\r\n";
  };
  auto cl = [&](std::string_view line) { return post + std::string(line) + "\r\n\r\nhello"; };
  using namespace std::string_literals;
  return {
      // Controls: served, and the request after them is served too.
      {"control_content_length", with_length(post, "hello"), 200, true},
      {"control_chunked", chunked + "5\r\nhello\r\n0\r\n\r\n", 200, true},
      {"control_chunk_extension", chunked + "5;name=\"v\"\r\nhello\r\n0\r\n\r\n", 200, true},
      {"control_http10", "GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 200, true},
      // Transfer-Encoding other than exactly "chunked".
      {"te_xchunked_hides_a_request", put + "Transfer-Encoding: xchunked\r\n\r\n" + hidden, 501},
      {"te_capitalised", te("Transfer-Encoding: Chunked"), 400},
      {"te_upper_case", te("Transfer-Encoding: CHUNKED"), 400},
      {"te_tab_before", te("Transfer-Encoding:\tchunked"), 400},
      {"te_space_after", te("Transfer-Encoding: chunked "), 400},
      {"te_tab_after", te("Transfer-Encoding: chunked\t"), 400},
      {"te_chunked_twice_in_a_list", te("Transfer-Encoding: chunked, chunked"), 400},
      {"te_chunked_twice_in_two_lines",
       te("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked"), 400},
      {"te_gzip_then_chunked", te("Transfer-Encoding: gzip, chunked"), 400},
      {"te_chunked_then_identity", te("Transfer-Encoding: chunked, identity"), 400},
      {"te_identity", te("Transfer-Encoding: identity"), 501},
      {"te_gzip", te("Transfer-Encoding: gzip"), 501},
      {"te_empty", te("Transfer-Encoding:"), 400},
      {"te_quoted", te("Transfer-Encoding: \"chunked\""), 400},
      {"te_vertical_tab", te("Transfer-Encoding: chunked\x0b"), 400},
      {"te_space_before_colon", te("Transfer-Encoding : chunked"), 400},
      {"te_folded", te("Transfer-Encoding:\r\n chunked"), 400},
      {"te_and_content_length", te("Transfer-Encoding: chunked\r\nContent-Length: 5"), 400},
      {"content_length_and_te", te("Content-Length: 5\r\nTransfer-Encoding: chunked"), 400},
      {"te_in_http10",
       "POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 400},
      // Content-Length.
      {"cl_plus", cl("Content-Length: +5"), 400},
      {"cl_minus", cl("Content-Length: -5"), 400},
      {"cl_leading_zeros", cl("Content-Length: 005"), 400},
      {"cl_list_of_same", cl("Content-Length: 5, 5"), 400},
      {"cl_twice_same", cl("Content-Length: 5\r\nContent-Length: 5"), 400},
      {"cl_twice_differing", cl("Content-Length: 5\r\nContent-Length: 6"), 400},
      {"cl_inner_space", cl("Content-Length: 5 5"), 400},
      {"cl_hex", cl("Content-Length: 0x5"), 400},
      {"cl_decimal_point", cl("Content-Length: 5.0"), 400},
      {"cl_empty", cl("Content-Length:"), 400},
      {"cl_overflow", cl("Content-Length: 18446744073709551621"), 400},
      // Chunks.
      {"chunk_size_overflow", chunked + "fffffffffffffffff5\r\nhello\r\n0\r\n\r\n", 400},
      {"chunk_size_hex_prefix", chunked + "0x5\r\nhello\r\n0\r\n\r\n", 400},
      {"chunk_size_negative", chunked + "-5\r\nhello\r\n0\r\n\r\n", 400},
      {"chunk_size_space", chunked + "5 \r\nhello\r\n0\r\n\r\n", 400},
      {"chunk_size_bare_lf", chunked + "5\nhello\r\n0\r\n\r\n", 400},
      {"chunk_size_bare_cr", chunked + "5\rhello\r\n0\r\n\r\n", 400},
      {"chunk_extension_control", chunked + "5;\x01\r\nhello\r\n0\r\n\r\n", 400},
      {"chunk_extension_empty", chunked + "5;\r\nhello\r\n0\r\n\r\n", 400},
      {"chunk_data_longer_than_size", chunked + "3\r\nhello\r\n0\r\n\r\n", 400},
      {"chunk_larger_than_body_limit", chunked + "ffffffff\r\nhello\r\n0\r\n\r\n", 413},
      // Line endings and folding.
      {"bare_lf_everywhere", "GET /hello HTTP/1.1\nHost: box\n\n", 400},
      {"bare_lf_in_one_header", get + "X-A: 1\nX-B: 2\r\n\r\n", 400},
      {"bare_cr_in_a_header", get + "X-A: 1\rX-B: 2\r\n\r\n", 400},
      {"bare_cr_in_the_request_line", "GET /hello\rHTTP/1.1\r\nHost: box\r\n\r\n", 400},
      {"obsolete_line_folding", get + "X-A: 1\r\n 2\r\n\r\n", 400},
      {"obsolete_line_folding_with_tab", get + "X-A: 1\r\n\t2\r\n\r\n", 400},
      // Header names and values.
      {"space_before_colon", get + "X-A : 1\r\n\r\n", 400},
      {"nul_in_a_name", get + "X-\0A: 1\r\n\r\n"s, 400},
      {"high_byte_in_a_name",
       get + "X-\xff"
             "A: 1\r\n\r\n",
       400},
      {"nul_in_a_value", get + "X-A: 1\0002\r\n\r\n"s, 400},
      {"no_colon", get + "X-A 1\r\n\r\n", 400},
      {"empty_name", get + ": 1\r\n\r\n", 400},
      // Host.
      {"host_missing", "GET /hello HTTP/1.1\r\n\r\n", 400},
      {"host_twice", get + "Host: other\r\n\r\n", 400},
      {"host_with_userinfo", "GET /hello HTTP/1.1\r\nHost: user@box\r\n\r\n", 400},
      {"host_with_space", "GET /hello HTTP/1.1\r\nHost: box other\r\n\r\n", 400},
      // The request line.
      {"two_spaces", "GET  /hello HTTP/1.1\r\nHost: box\r\n\r\n", 400},
      {"lower_case_version", "GET /hello http/1.1\r\nHost: box\r\n\r\n", 400},
      {"http2_text", "GET /hello HTTP/2.0\r\nHost: box\r\n\r\n", 505},
      {"http12", "GET /hello HTTP/1.2\r\nHost: box\r\n\r\n", 505},
      {"absolute_form", "GET http://box/hello HTTP/1.1\r\nHost: box\r\n\r\n", 400},
      {"high_byte_in_target", "GET /hel\xfflo HTTP/1.1\r\nHost: box\r\n\r\n", 400},
      {"leading_empty_line", "\r\nGET /hello HTTP/1.1\r\nHost: box\r\n\r\n", 400},
      // Expect and limits.
      {"expect_other", with_length(post + "Expect: 200-ok\r\n", "hello"), 417},
      {"body_over_the_limit", post + "Content-Length: 1000000\r\n\r\nhello", 413},
      {"headers_over_the_limit", get + "X-A: " + std::string(9000, 'a') + "\r\n\r\n", 431},
      // WebSocket handshakes.
      {"websocket_without_key",
       "GET /stream HTTP/1.1\r\nHost: box\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
       "Sec-WebSocket-Version: 13\r\n\r\n",
       400},
      {"websocket_version_8",
       "GET /stream HTTP/1.1\r\nHost: box\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
       "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n",
       426},
  };
}

}  // namespace optin::net::testing
