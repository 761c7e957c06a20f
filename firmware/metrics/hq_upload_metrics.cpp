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
  bundles_ = &prometheus::BuildCounter()
                  .Name("optin_hq_bundles_total")
                  .Help(
                      "Signed bundles fetched from HQ by kind (catalog, notice) and outcome: "
                      "applied, not_modified (304), not_published (404), refused (a check failed: "
                      "nothing changed), failed (no answer; retried next period)")
                  .Register(registry);
}

void HqUploadMetrics::Collect() {
  const sync::UploaderStats now = source_();
  std::lock_guard lock(mu_);
  CatchUp(*sent_, now.batches_sent, last_.batches_sent);
  CatchUp(*duplicate_, now.batches_duplicate, last_.batches_duplicate);
  CatchUp(*rejected_, now.batches_rejected, last_.batches_rejected);
  CatchUp(*failures_, now.attempts_failed, last_.attempts_failed);
  consecutive_failures_->Set(static_cast<double>(now.consecutive_failures));
  // Kinds are the program's own ("catalog", "notice"): a bounded label set.
  for (const auto& [kind, st] : now.bundles) {
    sync::BundleFetchStats& seen = last_.bundles[kind];
    const std::string k = kind;
    CatchUp(bundles_->Add({{"kind", k}, {"outcome", "applied"}}), st.applied, seen.applied);
    CatchUp(bundles_->Add({{"kind", k}, {"outcome", "not_modified"}}), st.not_modified,
            seen.not_modified);
    CatchUp(bundles_->Add({{"kind", k}, {"outcome", "not_published"}}), st.not_published,
            seen.not_published);
    CatchUp(bundles_->Add({{"kind", k}, {"outcome", "refused"}}), st.refused, seen.refused);
    CatchUp(bundles_->Add({{"kind", k}, {"outcome", "failed"}}), st.failed, seen.failed);
  }
}

}  // namespace optin::metrics
