#include "metrics/listener_metrics.h"

namespace optin::metrics {
namespace {

// Counters only go up: add what the server counted since the last collection.
void CatchUp(prometheus::Counter& counter, uint64_t now, uint64_t& last) {
  if (now > last) counter.Increment(static_cast<double>(now - last));
  last = now;
}

}  // namespace

ListenerMetrics::ListenerMetrics(prometheus::Registry& registry)
    : active_(prometheus::BuildGauge()
                  .Name("optin_http_connections_active")
                  .Help("Open connections, by listener")
                  .Register(registry)),
      connections_(prometheus::BuildCounter()
                       .Name("optin_http_connections_total")
                       .Help("Connections, by listener and outcome (accepted, refused at the "
                             "connection limit)")
                       .Register(registry)),
      handshakes_(prometheus::BuildCounter()
                      .Name("optin_tls_handshakes_total")
                      .Help("TLS handshakes, by listener and result (completed, failed, refused "
                            "at the concurrent handshake limit)")
                      .Register(registry)) {}

void ListenerMetrics::Add(const std::string& listener, const net::HttpServer& server) {
  Listener l;
  l.server = &server;
  l.active = &active_.Add({{"listener", listener}});
  l.accepted = &connections_.Add({{"listener", listener}, {"outcome", "accepted"}});
  l.refused = &connections_.Add({{"listener", listener}, {"outcome", "refused"}});
  l.handshakes_completed = &handshakes_.Add({{"listener", listener}, {"result", "completed"}});
  l.handshakes_failed = &handshakes_.Add({{"listener", listener}, {"result", "failed"}});
  l.handshakes_refused = &handshakes_.Add({{"listener", listener}, {"result", "refused"}});
  std::lock_guard lock(mu_);
  listeners_.push_back(l);
}

void ListenerMetrics::Collect() {
  std::lock_guard lock(mu_);
  for (Listener& l : listeners_) {
    const net::HttpServerStats now = l.server->stats();
    l.active->Set(static_cast<double>(now.active_connections));
    CatchUp(*l.accepted, now.connections_accepted, l.last.connections_accepted);
    CatchUp(*l.refused, now.connections_refused, l.last.connections_refused);
    CatchUp(*l.handshakes_completed, now.tls_handshakes_completed, l.last.tls_handshakes_completed);
    CatchUp(*l.handshakes_failed, now.tls_handshakes_failed, l.last.tls_handshakes_failed);
    CatchUp(*l.handshakes_refused, now.tls_handshakes_refused, l.last.tls_handshakes_refused);
  }
}

}  // namespace optin::metrics
