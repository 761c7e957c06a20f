// Turns a request parsed by Beast into our plain net::Request: the method and target as sent,
// the percent-decoded path, the raw query, header names lowercased, the body. The HTTP session
// uses it for every request, and the request fuzzer (tests/fuzz) feeds it whatever Beast's
// parser accepts. Pure function; thread-safe.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "net/http_message.h"

namespace optin::net {

// Moves the body out of `message`; its start line and headers are left as they were (the
// session still reads them to recognise a WebSocket upgrade). remote_address,
// peer_certificate_der and params are left empty for the caller.
Request RequestFromBeast(boost::beast::http::request<boost::beast::http::string_body>& message);

}  // namespace optin::net
