#include "app/listeners.h"

#include "api/origin_policy.h"
#include "kiosk/kiosk_feed.h"
#include "metrics/metrics.h"
#include "net/event_loop.h"
#include "platform/file_system.h"
#include "platform/random.h"
#include "provisioning/device_identity.h"

namespace optin::app {

Result<TlsConfigs> MakeTlsConfigs(Service::Parts& p, const Config& c,
                                  const provisioning::DeviceIdentity& id) {
  net::TlsServerSettings settings;
  settings.cert_chain_pem = id.server_cert_chain_pem();
  settings.key_pem = id.key_pem();
  settings.session_ticket_lifetime = std::chrono::hours(c.tls.session_ticket_hours);
  TlsConfigs out;
  if (!c.listen.plain_http) {
    OPTIN_ASSIGN_OR_RETURN(out.public_listener, net::TlsServerConfig::Create(settings, *p.random));
  }
  if (!c.admin.client_ca.empty()) {
    auto ca = p.fs.ReadFile(c.admin.client_ca);
    if (!ca) {
      return Fail(ErrorCode::kInvalidArgument, "admin.client_ca: " + ca.error().message,
                  "admin.client_ca");
    }
    settings.client_ca_pem = std::move(*ca);
    settings.require_client_cert = true;
  }
  OPTIN_ASSIGN_OR_RETURN(out.admin_listener, net::TlsServerConfig::Create(settings, *p.random));
  return out;
}

net::HttpServerOptions PublicListenerLimits(const Config& c) {
  net::HttpServerOptions o;
  o.max_body_bytes = static_cast<size_t>(c.limits.max_body_bytes);
  o.max_header_bytes = static_cast<size_t>(c.limits.max_header_bytes);
  o.read_timeout = std::chrono::milliseconds(c.limits.read_timeout_ms);
  o.idle_timeout = std::chrono::milliseconds(c.limits.idle_timeout_ms);
  o.max_connections = static_cast<size_t>(c.limits.max_connections);
  o.handshake_timeout = std::chrono::milliseconds(c.tls.handshake_timeout_ms);
  o.max_concurrent_handshakes = static_cast<size_t>(c.tls.max_concurrent_handshakes);
  o.max_handshakes_per_client = static_cast<size_t>(c.tls.max_handshakes_per_client);
  o.max_connections_per_client = static_cast<size_t>(c.limits.max_connections_per_client);
  o.rate_limit.per_second = c.limits.rate_per_second;
  o.rate_limit.burst = c.limits.rate_burst;
  o.rate_limit.max_clients = static_cast<size_t>(c.limits.rate_clients);
  o.rate_limit.exempt = c.limits.rate_exempt;
  return o;
}

net::HttpServerOptions AdminListenerLimits(const Config& c) {
  net::HttpServerOptions o = PublicListenerLimits(c);
  o.max_connections = 64;
  o.rate_limit = net::RateLimit{.per_second = 0};
  return o;
}

Status OpenListeners(Service::Parts& p) {
  const Config& c = p.config;
  OPTIN_ASSIGN_OR_RETURN(TlsConfigs tls, MakeTlsConfigs(p, p.config, *p.identity));
  p.loop = std::make_unique<net::EventLoop>();
  net::HttpServerOptions http = PublicListenerLimits(c);
  http.address = c.listen.address;
  http.port = c.listen.port;
  http.tls = tls.public_listener;
  p.server = std::make_unique<net::HttpServer>(*p.loop, p.router, http);
  OPTIN_ASSIGN_OR_RETURN(p.port, p.server->Listen());
  // The presence QR opens the shopper page on this listener (the bound port when it was 0).
  p.origins->SetPort(c.listen.port != 0 ? c.listen.port : p.port);
  p.kiosk->SetShopUrl(kiosk::ShopPageUrl(
      !c.listen.plain_http, c.tls.host_names.empty() ? "localhost" : c.tls.host_names.front(),
      c.listen.port != 0 ? c.listen.port : p.port));

  net::HttpServerOptions admin = AdminListenerLimits(c);
  admin.address = c.admin.address;
  admin.port = c.admin.port;
  admin.tls = tls.admin_listener;
  p.admin_server = std::make_unique<net::HttpServer>(*p.loop, p.admin_router, admin);
  auto admin_port = p.admin_server->Listen();
  if (!admin_port) {
    return Fail(admin_port.error().code, "admin listener: " + admin_port.error().message);
  }
  p.admin_port = *admin_port;
  p.metrics->listeners().Add("public", *p.server);
  p.metrics->listeners().Add("admin", *p.admin_server);
  return Ok();
}

}  // namespace optin::app
