// One uploaded batch as HQ stores it: the signed batch exactly as received, what identifies it
// (batch id, store, periods, format version, when it arrived) and its cells (metric, label, the
// UTC day it counts for, the noisy value and the variance of its noise) for figures, and the
// epsilon it states it spent. Value types; thread-compatible.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "platform/error.h"
#include "tools/optin-hq/bundle_record.h"

namespace optin::hq {

struct BatchPeriod {
  int64_t start = 0;  // Unix seconds, inclusive
  int64_t end = 0;    // Unix seconds, exclusive
};

struct CellRecord {
  std::string metric;
  std::string label;
  int64_t day = 0;        // UTC day (utc_day.h) the cell counts for
  int64_t value = 0;      // the noisy count as sent (never clamped)
  double variance = 0.0;  // the variance of its noise, as the batch states it
};

// The epsilon a batch states it spent, per metric, over all the periods it covers (millionths).
using StatedEpsilon = std::map<std::string, int64_t, std::less<>>;

struct BatchRecord {
  std::string batch_id;
  std::string store_id;
  int format_version = 2;            // 1 or 2 (batch schema "optin-hq-batch/N")
  std::vector<BatchPeriod> periods;  // oldest first; one unless the box merged periods
  int64_t received_at = 0;           // Unix seconds, HQ's clock
  std::string signed_batch;          // the JWS as received, kept for audit
  std::vector<CellRecord> cells;
  // What its payload states (epsilon_spent.h); nullopt when it states none that can be read.
  std::optional<StatedEpsilon> stated_epsilon;
  // What the batch reports in force (bundle_report.h): recorded in the same transaction when the
  // batch is stored (HqStore::RecordBundlesInForce's rule), nothing for a duplicate.
  std::vector<BundleInForce> bundles_in_force;
};

// What a listing shows of a stored batch (its cells stay in the cells table).
struct BatchSummary {
  std::string batch_id;
  std::string store_id;
  int format_version = 0;
  std::vector<BatchPeriod> periods;
  int64_t received_at = 0;
  std::string signed_batch;
  int64_t cell_count = 0;
};

// What HQ last received from a store (for the stores listing).
struct StoreActivity {
  std::string store_id;
  int64_t last_received_at = 0;  // Unix seconds, HQ's clock
  int64_t last_period_end = 0;   // the end of the latest period any of its batches covers
  int64_t batches = 0;
};

// The checks every engine applies before storing: ids present, a known format version, at
// least one period, each with end > start, in order and not overlapping, cells named.
// kInvalidArgument naming the field at fault. Does not look for a cell listed twice: the
// database refuses that (and with it the whole batch).
Status ValidateBatchRecord(const BatchRecord& batch);

}  // namespace optin::hq
