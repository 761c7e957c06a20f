// Which web origins may open the box's WebSockets (the staff console's and the kiosk's): only
// the box's own, https://<name>:<port> for each of tls.host_names and tls.ip_addresses on the
// public listener's port (http:// instead when listen.plain_http). A browser always sends
// Origin with a WebSocket upgrade, so a page of another site gets 403 before the upgrade; a
// request without Origin (not a browser: tools, tests) is let through to the route's own checks.
// Thread-safe: SetPort may run while Check runs (the port is known once the listener is bound).
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/http_message.h"

namespace optin::api {

class OriginPolicy {
 public:
  // `host_names` and `ip_addresses` as in the config's [tls]; `tls` false only with plain_http.
  OriginPolicy(std::vector<std::string> host_names, std::vector<std::string> ip_addresses, bool tls,
               uint16_t port);

  void SetPort(uint16_t port) { port_.store(port); }

  // True when `origin` (the Origin header's value) is one of the box's own.
  bool Allows(std::string_view origin) const;
  // For Router::AddWebSocket: 403 problem+json (urn:optin-edge:problem:origin-not-allowed)
  // when the upgrade carries an Origin that is not the box's own; nothing otherwise.
  std::optional<net::Response> Check(const net::Request& upgrade) const;

 private:
  std::vector<std::string> hosts_;  // lowercase names and canonical IP literals
  bool tls_;
  std::atomic<uint16_t> port_;
};

}  // namespace optin::api
