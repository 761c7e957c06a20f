// The HQ uploader's figures, read from its stats at scrape time (HQ sync on only):
// optin_hq_batches_total{outcome} (sent: acknowledged by HQ, duplicate: of those, HQ already had
// them, rejected: refused by HQ for good), optin_hq_upload_failures_total (attempts that failed)
// and optin_hq_upload_consecutive_failures. Nothing about anyone. Collect is thread-safe.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <functional>
#include <mutex>

#include "sync/uploader.h"

namespace optin::metrics {

class HqUploadMetrics {
 public:
  using StatsSource = std::function<sync::UploaderStats()>;
  HqUploadMetrics(prometheus::Registry& registry, StatsSource source);

  // Brings the series up to date with the uploader's counters.
  void Collect();

 private:
  StatsSource source_;
  prometheus::Counter* sent_ = nullptr;
  prometheus::Counter* duplicate_ = nullptr;
  prometheus::Counter* rejected_ = nullptr;
  prometheus::Counter* failures_ = nullptr;
  prometheus::Gauge* consecutive_failures_ = nullptr;
  prometheus::Family<prometheus::Counter>* bundles_ = nullptr;  // {kind, outcome}
  std::mutex mu_;
  sync::UploaderStats last_;  // GUARDED_BY(mu_): what the counters already hold
};

}  // namespace optin::metrics
