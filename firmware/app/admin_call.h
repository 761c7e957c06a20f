// One request to a running daemon's admin listener (TLS on admin.address:port), trusting what
// the daemon presents: its self-signed certificate, or HQ's CA once provisioned (the data dir's
// TLS files). What optinctl's admin commands and the tests use. Blocks the calling thread;
// thread-safe (each call has its own event loop).
#pragma once

#include <cstdint>
#include <string>

#include "app/config.h"
#include "net/http_message.h"
#include "platform/error.h"

namespace optin::app {

Result<net::Response> CallAdmin(const Config& config, uint16_t port, const std::string& method,
                                const std::string& target);

}  // namespace optin::app
