#include "metrics/metrics.h"

#include <prometheus/text_serializer.h>

#include "platform/log.h"

namespace optin::metrics {
namespace {

prometheus::Gauge& SingleGauge(prometheus::Registry& registry, const std::string& name,
                               const std::string& help, const prometheus::Labels& labels = {}) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add(labels);
}

}  // namespace

Metrics::Metrics(MetricsDeps deps)
    : db_(deps.db),
      clock_(deps.clock),
      registry_(std::make_shared<prometheus::Registry>()),
      http_(*registry_),
      domain_(*registry_, deps.topics),
      database_(*registry_, deps.db, deps.desk, deps.outbox),
      scanners_(*registry_, deps.scanners),
      listeners_(*registry_),
      started_(deps.clock.Monotonic()),
      uptime_(SingleGauge(*registry_, "optin_uptime_seconds", "Seconds since the daemon started")),
      collect_failures_(prometheus::BuildCounter()
                            .Name("optin_metrics_collect_failures_total")
                            .Help("Scrapes whose database gauges could not be read (they kept "
                                  "their previous values)")
                            .Register(*registry_)
                            .Add({})) {
  SingleGauge(*registry_, "optin_build_info", "The running software's version (always 1)",
              {{"version", deps.version}})
      .Set(1);
  SingleGauge(*registry_, "optin_start_time_seconds", "When the daemon started, Unix time")
      .Set(static_cast<double>(deps.clock.NowUnix()));
  if (deps.hq_upload_stats) {
    hq_upload_ = std::make_unique<HqUploadMetrics>(*registry_, std::move(deps.hq_upload_stats));
  }
  domain_.Attach(deps.ledger, deps.visits, deps.desk);
}

void Metrics::Register(net::Router& router) {
  router.Add("GET", "/metrics",
             [this](net::Request&&, net::Responder respond) { Scrape(std::move(respond)); });
}

void Metrics::Scrape(net::Responder respond) {
  auto shared = std::move(respond).Share();
  auto answer = [this, shared] {
    net::Response response;
    response.status = 200;
    response.content_type = std::string(kContentType);
    response.body = Render();
    response.headers.emplace_back("Cache-Control", "no-store");
    (*shared)(std::move(response));
  };
  Status queued = db_.TryRead([this, answer](store::Connection& conn) {
    if (Status s = database_.Collect(conn); !s) {
      collect_failures_.Increment();
      platform::log::Warn("metrics.collect_failed", {{"message", s.error().message}});
    }
    answer();
  });
  if (!queued) {
    collect_failures_.Increment();
    answer();
  }
}

std::string Metrics::Render() {
  uptime_.Set(std::chrono::duration<double>(clock_.Monotonic() - started_).count());
  listeners_.Collect();
  if (hq_upload_) hq_upload_->Collect();
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace optin::metrics
