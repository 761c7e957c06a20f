// The two listeners: the public one (shoppers, staff, kiosk; TLS unless listen.plain_http) and
// the admin one (health, readiness, metrics, reload; loopback or client certificates), their
// TLS configurations from the device identity and their limits from the config (the limits
// and TLS a reload changes go through the same functions). For app/service*.cpp only; called
// on the main thread at start, MakeTlsConfigs and the limits also under Parts::reload_mu.
#pragma once

#include <memory>

#include "app/config.h"
#include "app/service_parts.h"
#include "net/http_server.h"
#include "net/tls_config.h"
#include "platform/error.h"

namespace optin::app {

struct TlsConfigs {
  std::shared_ptr<const net::TlsServerConfig> public_listener;  // null with plain_http
  std::shared_ptr<const net::TlsServerConfig> admin_listener;
};

// The TLS configurations of both listeners from the device identity (provisioned certificate
// or the self-signed one) and, for the admin listener, the configured client CA.
Result<TlsConfigs> MakeTlsConfigs(Service::Parts& p, const Config& c,
                                  const provisioning::DeviceIdentity& id);

// The limits of both listeners from a config (address, port and TLS are set by the caller).
net::HttpServerOptions PublicListenerLimits(const Config& c);
// The admin listener: few clients, all trusted (loopback or client certificates): no rate limit.
net::HttpServerOptions AdminListenerLimits(const Config& c);

// Creates the event loop and binds both listeners (p.port and p.admin_port are the bound ports;
// the presence QR and the WebSocket origin check learn the public one) and reports them to the
// metrics. Needs the routers, the identity, the kiosk feed, the origins and the metrics.
Status OpenListeners(Service::Parts& p);

}  // namespace optin::app
