// The daemon's Prometheus metrics, put together: one registry (prometheus-cpp's core), the
// request observers for the routers, the domain counters on the ledger, visit and help desk
// hooks (counted after commit), the gauges read from the database at scrape time, the scanner
// states, the listeners' connection figures, the HQ uploader's figures (sync on), and build
// info, start time and uptime. Register() serves GET /metrics (Prometheus text format 0.0.4,
// serialized by prometheus-cpp) from our own router: a scrape reads the database gauges on a
// reader thread (never on a network thread), then answers. No label carries anything personal.
// Construct and wire before serving; thread-safe afterwards.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "assist/help_desk.h"
#include "consent/consent_ledger.h"
#include "metrics/database_gauges.h"
#include "metrics/domain_metrics.h"
#include "metrics/hq_upload_metrics.h"
#include "metrics/http_metrics.h"
#include "metrics/listener_metrics.h"
#include "metrics/scanner_metrics.h"
#include "net/router.h"
#include "platform/clock.h"
#include "store/database.h"
#include "sync/outbox.h"
#include "visits/visit_service.h"

namespace optin::metrics {

struct MetricsDeps {
  store::Database& db;
  const platform::Clock& clock;
  consent::ConsentLedger& ledger;
  visits::VisitService& visits;
  assist::HelpDesk& desk;
  const sync::Outbox* outbox = nullptr;  // null when HQ sync is off
  std::vector<std::string> topics;       // the store's help topics
  std::vector<std::string> scanners;     // configured scanner names
  std::string version;
  // The HQ uploader's stats; empty when HQ sync is off (then no upload series is exported).
  HqUploadMetrics::StatsSource hq_upload_stats = {};
};

inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

class Metrics {
 public:
  // Registers the hooks on the ledger, visits and help desk.
  explicit Metrics(MetricsDeps deps);

  // For Router::SetObserver of the listener named `listener` ("public", "admin").
  net::RequestObserver& RequestObserver(std::string listener) {
    return http_.Observer(std::move(listener));
  }
  ScannerMetrics& scanners() { return scanners_; }
  // For gauges kept up to date elsewhere (optin_kiosks_paired, set by the kiosk pairings).
  prometheus::Registry& registry() { return *registry_; }
  ListenerMetrics& listeners() { return listeners_; }

  // GET /metrics on `router`.
  void Register(net::Router& router);
  // Collects the database gauges on a reader thread, then answers with the exposition. If the
  // read cannot be queued (stopping, queue full) or fails, answers with the other values and
  // counts optin_metrics_collect_failures_total.
  void Scrape(net::Responder respond);
  // The exposition as the series stand now (uptime and listeners updated, no database read).
  std::string Render();

 private:
  store::Database& db_;
  const platform::Clock& clock_;
  std::shared_ptr<prometheus::Registry> registry_;
  HttpMetrics http_;
  DomainMetrics domain_;
  DatabaseGauges database_;
  ScannerMetrics scanners_;
  ListenerMetrics listeners_;
  std::unique_ptr<HqUploadMetrics> hq_upload_;  // null when HQ sync is off
  const platform::MonoTime started_;
  prometheus::Gauge& uptime_;
  prometheus::Counter& collect_failures_;
};

}  // namespace optin::metrics
