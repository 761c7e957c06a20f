// The checks of a WebSocket opening handshake (RFC 6455 section 4.2.1) that Beast's accept
// would otherwise answer in plain text: the session runs them first so that a refused
// handshake gets a problem+json like every other refusal. Pure function; thread-safe.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <optional>

#include "net/refusal.h"

namespace optin::net {

// For a request that asks for an upgrade (websocket::is_upgrade): a missing or malformed
// Sec-WebSocket-Key (400 bad-websocket-handshake) or a Sec-WebSocket-Version other than 13 (426
// unsupported-websocket-version); nullopt when Beast's accept will take it.
std::optional<Refusal> CheckWebSocketHandshake(
    const boost::beast::http::request<boost::beast::http::string_body>& request);

}  // namespace optin::net
