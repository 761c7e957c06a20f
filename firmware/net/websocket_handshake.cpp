#include "net/websocket_handshake.h"

#include <cctype>
#include <string_view>

namespace optin::net {
namespace {

// 16 bytes in base64: 22 characters of the alphabet and "==".
bool IsKey(std::string_view key) {
  if (key.size() != 24 || !key.ends_with("==")) return false;
  for (char c : key.substr(0, 22)) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '+' && c != '/') return false;
  }
  return true;
}

}  // namespace

std::optional<Refusal> CheckWebSocketHandshake(
    const boost::beast::http::request<boost::beast::http::string_body>& request) {
  namespace http = boost::beast::http;
  if (request.count(http::field::sec_websocket_key) != 1 ||
      !IsKey(request[http::field::sec_websocket_key])) {
    return Refusal{.status = 400,
                   .reason = "bad-websocket-handshake",
                   .detail =
                       "A WebSocket upgrade needs one Sec-WebSocket-Key: 16 bytes in "
                       "base64."};
  }
  if (request.count(http::field::sec_websocket_version) != 1 ||
      request[http::field::sec_websocket_version] != "13") {
    return Refusal{.status = 426,
                   .reason = "unsupported-websocket-version",
                   .detail = "This server speaks WebSocket version 13 only."};
  }
  return std::nullopt;
}

}  // namespace optin::net
