// Gauges that need the database or its files, read at scrape time on a database reader thread
// (never on a network thread): optin_database_size_bytes{file="main"|"wal"},
// optin_prompts_open{state="waiting"|"claimed"} and, when HQ sync is on, the outbox's
// optin_hq_outbox_batches{state="pending"|"rejected"} and optin_hq_outbox_oldest_age_seconds.
// Collect runs on one reader at a time per scrape; the gauges are thread-safe.
#pragma once

#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "assist/help_desk.h"
#include "store/database.h"
#include "sync/outbox.h"

namespace optin::metrics {

class DatabaseGauges {
 public:
  // `outbox` is null when HQ sync is off (then no outbox series is exported).
  DatabaseGauges(prometheus::Registry& registry, const store::Database& db,
                 const assist::HelpDesk& desk, const sync::Outbox* outbox);

  // Reads everything into the gauges; `conn` is a reader's connection. On an error the gauges
  // it did not reach keep their last values.
  Status Collect(store::Connection& conn);

 private:
  const store::Database& db_;
  const assist::HelpDesk& desk_;
  const sync::Outbox* outbox_;
  prometheus::Gauge* main_bytes_ = nullptr;
  prometheus::Gauge* wal_bytes_ = nullptr;
  prometheus::Gauge* waiting_ = nullptr;
  prometheus::Gauge* claimed_ = nullptr;
  prometheus::Gauge* outbox_pending_ = nullptr;
  prometheus::Gauge* outbox_rejected_ = nullptr;
  prometheus::Gauge* outbox_oldest_ = nullptr;
};

}  // namespace optin::metrics
