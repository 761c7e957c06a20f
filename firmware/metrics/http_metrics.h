// Request counts and latencies per listener and route, as the routers report them
// (net::RequestObserver): optin_http_requests_total{listener, route, method, code} and the
// histogram optin_http_request_duration_seconds{listener, route, method} (0.5 ms to 2 s), and
// what the server refused before routing, optin_http_refused_total{listener, reason} (reason
// one of net::kRefusalReasons, every series present from the start at 0).
// `route` is the route's pattern ("/v1/assist/{id}") or "unmatched", never a path as sent; the
// method is mapped onto a fixed set. Create the observers (Observer) before serving; afterwards
// thread-safe: OnRequest runs on any network thread and takes a short lock only to find the
// series of a label combination.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "net/request_observer.h"

namespace optin::metrics {

class HttpMetrics {
 public:
  explicit HttpMetrics(prometheus::Registry& registry);
  ~HttpMetrics();

  // The observer to give the router of `listener` ("public", "admin"); lives as long as this.
  net::RequestObserver& Observer(std::string listener);

  void Record(std::string_view listener, std::string_view method, std::string_view pattern,
              int status, std::chrono::nanoseconds elapsed);
  // Counts one problem+json answer of `pattern` by its problem name. Names come from the program
  // (a bounded set); one that is not [a-z0-9-]{1,48}, or past kMaxProblemNames, counts as "other".
  void RecordProblem(std::string_view listener, std::string_view pattern, std::string_view problem);
  static constexpr size_t kMaxProblemNames = 128;

 private:
  class ListenerObserver;

  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& duration_;
  prometheus::Family<prometheus::Counter>& refused_;
  prometheus::Family<prometheus::Counter>& problems_;
  std::vector<std::unique_ptr<ListenerObserver>> observers_;
  std::mutex mu_;
  // Keyed by listener, route, method (and code); the series are owned by the families.
  std::unordered_map<std::string, prometheus::Counter*> counters_;          // GUARDED_BY(mu_)
  std::unordered_map<std::string, prometheus::Histogram*> histograms_;      // GUARDED_BY(mu_)
  std::unordered_map<std::string, prometheus::Counter*> problem_counters_;  // GUARDED_BY(mu_)
  std::unordered_set<std::string> problem_names_;                           // GUARDED_BY(mu_)
};

}  // namespace optin::metrics
