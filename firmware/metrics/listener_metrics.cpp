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
                             "connection limit, refused_per_client at the per-address limit)")
                       .Register(registry)),
      handshakes_in_progress_(prometheus::BuildGauge()
                                  .Name("optin_tls_handshakes_in_progress")
                                  .Help("TLS handshakes under way, by listener")
                                  .Register(registry)),
      handshakes_(prometheus::BuildCounter()
                      .Name("optin_tls_handshakes_total")
                      .Help("TLS handshakes, by listener and result (completed, failed, "
                            "evicted_client_limit and evicted_listener_limit: the least advanced "
                            "handshake closed for a newer one at the per-address or listener "
                            "limit)")
                      .Register(registry)) {}

void ListenerMetrics::Add(const std::string& listener, const net::HttpServer& server) {
  Listener l;
  l.server = &server;
  l.active = &active_.Add({{"listener", listener}});
  l.accepted = &connections_.Add({{"listener", listener}, {"outcome", "accepted"}});
  l.refused = &connections_.Add({{"listener", listener}, {"outcome", "refused"}});
  l.refused_per_client =
      &connections_.Add({{"listener", listener}, {"outcome", "refused_per_client"}});
  l.handshakes_in_progress = &handshakes_in_progress_.Add({{"listener", listener}});
  l.handshakes_completed = &handshakes_.Add({{"listener", listener}, {"result", "completed"}});
  l.handshakes_failed = &handshakes_.Add({{"listener", listener}, {"result", "failed"}});
  l.handshakes_evicted_client =
      &handshakes_.Add({{"listener", listener}, {"result", "evicted_client_limit"}});
  l.handshakes_evicted_listener =
      &handshakes_.Add({{"listener", listener}, {"result", "evicted_listener_limit"}});
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
    CatchUp(*l.refused_per_client, now.connections_refused_per_client,
            l.last.connections_refused_per_client);
    l.handshakes_in_progress->Set(static_cast<double>(now.tls_handshakes_in_progress));
    CatchUp(*l.handshakes_completed, now.tls_handshakes_completed, l.last.tls_handshakes_completed);
    CatchUp(*l.handshakes_failed, now.tls_handshakes_failed, l.last.tls_handshakes_failed);
    CatchUp(*l.handshakes_evicted_client, now.tls_handshakes_evicted_client_limit,
            l.last.tls_handshakes_evicted_client_limit);
    CatchUp(*l.handshakes_evicted_listener, now.tls_handshakes_evicted_listener_limit,
            l.last.tls_handshakes_evicted_listener_limit);
  }
}

}  // namespace optin::metrics
