#include "metrics/database_gauges.h"

namespace optin::metrics {
namespace {

prometheus::Family<prometheus::Gauge>& GaugeFamily(prometheus::Registry& registry,
                                                   const std::string& name,
                                                   const std::string& help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(registry);
}

}  // namespace

DatabaseGauges::DatabaseGauges(prometheus::Registry& registry, const store::Database& db,
                               const assist::HelpDesk& desk, const sync::Outbox* outbox)
    : db_(db), desk_(desk), outbox_(outbox) {
  auto& sizes = GaugeFamily(registry, "optin_database_size_bytes",
                            "Size of the SQLite database files (main file and write-ahead log)");
  main_bytes_ = &sizes.Add({{"file", "main"}});
  wal_bytes_ = &sizes.Add({{"file", "wal"}});
  auto& open = GaugeFamily(registry, "optin_prompts_open",
                           "Help requests open now, by state (waiting, claimed)");
  waiting_ = &open.Add({{"state", "waiting"}});
  claimed_ = &open.Add({{"state", "claimed"}});
  if (outbox_ != nullptr) {
    auto& batches = GaugeFamily(registry, "optin_hq_outbox_batches",
                                "Signed HQ batches in the outbox, by state (pending, rejected)");
    outbox_pending_ = &batches.Add({{"state", "pending"}});
    outbox_rejected_ = &batches.Add({{"state", "rejected"}});
    outbox_oldest_ = &GaugeFamily(registry, "optin_hq_outbox_oldest_age_seconds",
                                  "Age of the oldest batch waiting for HQ (0 when none)")
                          .Add({});
  }
}

Status DatabaseGauges::Collect(store::Connection& conn) {
  OPTIN_ASSIGN_OR_RETURN(store::DatabaseFileSizes sizes, db_.FileSizes());
  main_bytes_->Set(static_cast<double>(sizes.main_bytes));
  wal_bytes_->Set(static_cast<double>(sizes.wal_bytes));
  OPTIN_ASSIGN_OR_RETURN(assist::LivePromptCounts live, desk_.CountLive(conn));
  waiting_->Set(static_cast<double>(live.waiting));
  claimed_->Set(static_cast<double>(live.claimed));
  if (outbox_ != nullptr) {
    OPTIN_ASSIGN_OR_RETURN(sync::OutboxDepth depth, outbox_->Depth(conn));
    outbox_pending_->Set(static_cast<double>(depth.pending));
    outbox_rejected_->Set(static_cast<double>(depth.rejected));
    outbox_oldest_->Set(static_cast<double>(depth.oldest_age_seconds));
  }
  return Ok();
}

}  // namespace optin::metrics
