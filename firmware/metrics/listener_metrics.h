// The listeners' connection and TLS figures, read from net::HttpServer::stats() at scrape time:
// optin_http_connections_active{listener}, optin_http_connections_total{listener, outcome}
// (accepted, refused: at max_connections, refused_per_client: at max_connections_per_client),
// optin_tls_handshakes_in_progress{listener} and optin_tls_handshakes_total{listener, result}
// (completed, failed, evicted_client_limit, evicted_listener_limit: closed to make room for a
// newer handshake). Add the servers before serving; Collect is thread-safe.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <mutex>
#include <string>
#include <vector>

#include "net/http_server.h"

namespace optin::metrics {

class ListenerMetrics {
 public:
  explicit ListenerMetrics(prometheus::Registry& registry);

  // `server` must outlive this object's use.
  void Add(const std::string& listener, const net::HttpServer& server);
  // Brings the series up to date with the servers' counters.
  void Collect();

 private:
  struct Listener {
    const net::HttpServer* server = nullptr;
    prometheus::Gauge* active = nullptr;
    prometheus::Counter* accepted = nullptr;
    prometheus::Counter* refused = nullptr;
    prometheus::Counter* refused_per_client = nullptr;
    prometheus::Gauge* handshakes_in_progress = nullptr;
    prometheus::Counter* handshakes_completed = nullptr;
    prometheus::Counter* handshakes_failed = nullptr;
    prometheus::Counter* handshakes_evicted_client = nullptr;
    prometheus::Counter* handshakes_evicted_listener = nullptr;
    net::HttpServerStats last;  // what the counters already hold
  };
  prometheus::Family<prometheus::Gauge>& active_;
  prometheus::Family<prometheus::Counter>& connections_;
  prometheus::Family<prometheus::Gauge>& handshakes_in_progress_;
  prometheus::Family<prometheus::Counter>& handshakes_;
  std::mutex mu_;
  std::vector<Listener> listeners_;  // GUARDED_BY(mu_)
};

}  // namespace optin::metrics
