#include "metrics/hq_upload_metrics.h"

#include <prometheus/family.h>

namespace optin::metrics {
namespace {

// Counters only go up: add what the uploader counted since the last collection.
void CatchUp(prometheus::Counter& counter, uint64_t now, uint64_t& last) {
  if (now > last) counter.Increment(static_cast<double>(now - last));
  last = now;
}

}  // namespace

HqUploadMetrics::HqUploadMetrics(prometheus::Registry& registry, StatsSource source)
    : source_(std::move(source)) {
  auto& batches = prometheus::BuildCounter()
                      .Name("optin_hq_batches_total")
                      .Help(
                          "HQ batches by outcome: sent (acknowledged by HQ), duplicate (of "
                          "those, HQ already had), rejected (refused by HQ for good)")
                      .Register(registry);
  sent_ = &batches.Add({{"outcome", "sent"}});
  duplicate_ = &batches.Add({{"outcome", "duplicate"}});
  rejected_ = &batches.Add({{"outcome", "rejected"}});
  failures_ = &prometheus::BuildCounter()
                   .Name("optin_hq_upload_failures_total")
                   .Help("Upload attempts to HQ that failed (retried with backoff)")
                   .Register(registry)
                   .Add({});
  consecutive_failures_ = &prometheus::BuildGauge()
                               .Name("optin_hq_upload_consecutive_failures")
                               .Help("Upload attempts that failed since the last success")
                               .Register(registry)
                               .Add({});
}

void HqUploadMetrics::Collect() {
  const sync::UploaderStats now = source_();
  std::lock_guard lock(mu_);
  CatchUp(*sent_, now.batches_sent, last_.batches_sent);
  CatchUp(*duplicate_, now.batches_duplicate, last_.batches_duplicate);
  CatchUp(*rejected_, now.batches_rejected, last_.batches_rejected);
  CatchUp(*failures_, now.attempts_failed, last_.attempts_failed);
  consecutive_failures_->Set(static_cast<double>(now.consecutive_failures));
}

}  // namespace optin::metrics
