// A generic HTTP/1.1 server on Boost.Beast: keep-alive, a strand per connection, one response
// in flight per connection, a timeout on every read, and limits on body, header and connection
// counts. It knows nothing about shoppers: requests go to a Router. Serves HTTPS when given a
// TlsServerConfig (handshakes bounded in number and time; SetTls swaps the certificate for new
// connections without dropping the others). One client address may hold at most
// max_connections_per_client connections and max_handshakes_per_client handshakes; when the
// handshakes of an address or of the listener are at their bound, the one that made the least
// progress is closed to admit the newcomer (HandshakeSlots), so half-open connections from one
// client cannot keep others out. Upgrades requests on the Router's WebSocket routes;
// Shutdown() closes those with 1001 (going away). Requests beyond the rate limit per client
// address get 429 with Retry-After. UpdateLimits() changes the limits for the next request
// of every connection, without dropping any. Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "net/event_loop.h"
#include "net/rate_limiter.h"
#include "net/router.h"
#include "net/tls_config.h"
#include "platform/error.h"

namespace optin::net {

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 8080;  // 0 picks an ephemeral port
  size_t max_body_bytes = 16 * 1024;
  size_t max_header_bytes = 8 * 1024;
  std::chrono::milliseconds read_timeout{10'000};  // to receive a whole request once it starts
  std::chrono::milliseconds idle_timeout{30'000};  // keep-alive connection with no request
  size_t max_connections = 1024;                   // beyond this new connections are closed
  std::string server_name = "optin-edge";
  std::shared_ptr<const TlsServerConfig> tls;  // null: plain HTTP
  size_t max_concurrent_handshakes = 64;       // beyond this the least advanced one is closed
  std::chrono::milliseconds handshake_timeout{5000};
  // Per client address (0: no bound); the addresses of rate_limit.exempt have none.
  size_t max_connections_per_client = 64;  // beyond this new connections are refused
  size_t max_handshakes_per_client = 16;   // beyond this its least advanced one is closed
  WebSocketOptions websocket;              // connections upgraded on Router::AddWebSocket routes
  RateLimit rate_limit{.per_second = 0};   // per client address; off unless set
};

struct HttpServerStats {
  uint64_t connections_accepted = 0;
  uint64_t connections_refused = 0;             // at max_connections
  uint64_t connections_refused_per_client = 0;  // at max_connections_per_client
  uint64_t active_connections = 0;
  uint64_t requests = 0;
  uint64_t tls_handshakes_completed = 0;
  uint64_t tls_handshakes_failed = 0;  // garbage, timeouts, refused client certificates, ...
  uint64_t tls_handshakes_evicted_client_limit = 0;    // for max_handshakes_per_client
  uint64_t tls_handshakes_evicted_listener_limit = 0;  // for max_concurrent_handshakes
  uint64_t tls_handshakes_in_progress = 0;
  uint64_t requests_rate_limited = 0;  // answered 429
};

class HttpServer {
 public:
  HttpServer(EventLoop& loop, const Router& router, HttpServerOptions options);
  ~HttpServer();

  // Binds and starts accepting. Returns the bound port.
  Result<uint16_t> Listen();
  // Stops accepting and closes idle connections; in-flight requests finish, then their
  // connections close; WebSockets close with 1001 (going away). `done` runs once every
  // connection is gone.
  void Shutdown(std::function<void()> done);
  // Replaces the TLS configuration (e.g. a renewed certificate): connections accepted from now
  // on use `tls`, existing ones keep theirs. Null switches new connections to plain HTTP.
  void SetTls(std::shared_ptr<const TlsServerConfig> tls);
  // Applies the limits of `options` (body, header, timeouts, connections, handshakes, rate)
  // from the next request of every connection on; the address, port, TLS, WebSocket options
  // and server name stay as they were.
  void UpdateLimits(const HttpServerOptions& options);

  HttpServerStats stats() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace optin::net
