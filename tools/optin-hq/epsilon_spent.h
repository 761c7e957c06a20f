// The privacy officer's view of HQ's data: the epsilon each store spent per UTC day and metric,
// from the batches' own parameters (format 2: metrics.<m>.epsilon_micros; format 1: its one
// joint epsilon, as metric "joint"), and whether a store-day exceeds the chain's policy.
//
// Ingest reads what a batch states (StatedEpsilon) and adds it to two tables of the store's own
// rows, in the batch's transaction: hq_epsilon_sums (store, day, metric) and hq_epsilon_days
// (store, day: the total over metrics, the batches that counted, those whose epsilon could not be
// read). A batch that covers several periods (the box merged them after a long stop) states the
// sum of their epsilons: it is spread evenly over its periods, each counted on the UTC day it
// starts (the remainder of the division on the first, so sums stay exact). Migration 9 filled the
// tables from the batches stored before it (EpsilonOfSignedBatch). The view then reads a row per
// store-day, and the chain's view a row per day plus the store-days over the policy.
// Constant data and pure functions; thread-safe.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tools/optin-hq/batch_record.h"

namespace optin::hq {

// metric name for a format-1 batch's single joint epsilon.
inline constexpr std::string_view kJointEpsilonMetric = "joint";

// The epsilon a batch's payload states per metric (over all its periods); nullopt when it states
// none that can be read (a format-1 batch without noise.epsilon_micros).
std::optional<StatedEpsilon> StatedEpsilonOf(const boost::json::object& payload,
                                             int format_version);

// What a batch adds to the epsilon tables, in key order.
struct EpsilonDaySum {
  int64_t micros = 0;    // over every metric
  int64_t batches = 0;   // batches that counted on the day
  int64_t unstated = 0;  // of them, those whose epsilon could not be read
  void Add(const EpsilonDaySum& o) {
    micros += o.micros;
    batches += o.batches;
    unstated += o.unstated;
  }
};
struct BatchEpsilon {
  std::map<std::pair<int64_t, std::string>, int64_t> by_metric;  // (day, metric) -> micros
  std::map<int64_t, EpsilonDaySum> by_day;
};
BatchEpsilon SumEpsilon(const BatchRecord& batch);

// A stored batch's (JWS) store, periods and stated epsilon, for filling the tables from batches
// stored before migration 9 (signatures are not checked again: they were at ingest); nullopt when
// the payload's periods cannot be read.
std::optional<BatchRecord> EpsilonOfSignedBatch(std::string_view store_id, int format_version,
                                                std::string_view signed_batch);
// The same for a row of hq_batches: when its payload cannot be read, the batch counts on the day
// its first period starts ([period_start, period_end)), its epsilon unstated.
BatchRecord EpsilonOfStoredBatch(std::string_view store_id, int format_version,
                                 int64_t period_start, int64_t period_end,
                                 std::string_view signed_batch);

// One store-day as the view lists it.
struct EpsilonStoreDay {
  std::string store_id;
  int64_t day = 0;
  int64_t micros = 0;  // the sum over its metrics
  int64_t batches = 0;
  int64_t unstated = 0;
  std::map<std::string, int64_t, std::less<>> metric_micros;
};
// One day of the chain: how many stores spent epsilon on it, how many above the policy, the
// most any store spent, and the batches whose epsilon could not be read.
struct EpsilonChainDay {
  int64_t day = 0;
  int64_t stores = 0;
  int64_t over_policy = 0;
  int64_t max_micros = 0;
  int64_t unstated = 0;
};
// Which store-days to list: every day of one store, or the chain's days above `above_micros` (or
// with a batch whose epsilon could not be read), at most `limit` of them, the highest first.
struct EpsilonQuery {
  int64_t from_day = 0;
  int64_t to_day = 0;
  std::optional<std::string> store_id;
  int64_t above_micros = 0;  // for the chain's listing
  int64_t limit = 0;         // for the chain's listing
};

// The ingest upserts (summary_tables.h's MultiRowInsertSql writes their rows).
inline constexpr std::string_view kEpsilonSumsHead =
    "INSERT INTO hq_epsilon_sums (store_id, day, metric, epsilon_micros)";
inline constexpr std::string_view kEpsilonSumsOnConflict = R"sql(
ON CONFLICT (store_id, day, metric) DO UPDATE SET
  epsilon_micros = hq_epsilon_sums.epsilon_micros + excluded.epsilon_micros
)sql";
inline constexpr std::string_view kEpsilonDaysHead =
    "INSERT INTO hq_epsilon_days (store_id, day, epsilon_micros, batches, unstated)";
inline constexpr std::string_view kEpsilonDaysOnConflict = R"sql(
ON CONFLICT (store_id, day) DO UPDATE SET
  epsilon_micros = hq_epsilon_days.epsilon_micros + excluded.epsilon_micros,
  batches = hq_epsilon_days.batches + excluded.batches,
  unstated = hq_epsilon_days.unstated + excluded.unstated
)sql";

// The reads, the same text on both engines ($N named in order of first appearance).
// $1 policy, $2 from, $3 to: day, stores, over policy, max, unstated.
inline constexpr std::string_view kEpsilonByDaySql = R"sql(
SELECT day, COUNT(*), SUM(CASE WHEN epsilon_micros > $1 THEN 1 ELSE 0 END), MAX(epsilon_micros),
       SUM(unstated)
FROM hq_epsilon_days WHERE day BETWEEN $2 AND $3 GROUP BY day ORDER BY day
)sql";
// $1 store, $2 from, $3 to: store, day, micros, batches, unstated.
inline constexpr std::string_view kEpsilonStoreDaysSql = R"sql(
SELECT store_id, day, epsilon_micros, batches, unstated FROM hq_epsilon_days
WHERE store_id = $1 AND day BETWEEN $2 AND $3 ORDER BY day
)sql";
// $1 store, $2 from, $3 to: day, metric, micros.
inline constexpr std::string_view kEpsilonStoreMetricsSql = R"sql(
SELECT store_id, day, metric, epsilon_micros FROM hq_epsilon_sums
WHERE store_id = $1 AND day BETWEEN $2 AND $3
)sql";
// $1 from, $2 to, $3 policy, $4 limit: the flagged store-days, highest first.
inline constexpr std::string_view kEpsilonFlaggedDaysSql = R"sql(
SELECT store_id, day, epsilon_micros, batches, unstated FROM hq_epsilon_days
WHERE day BETWEEN $1 AND $2 AND (epsilon_micros > $3 OR unstated > 0)
ORDER BY epsilon_micros DESC, store_id, day LIMIT $4
)sql";
// The same parameters: the metrics of those store-days (the order is total, so the same ones).
inline constexpr std::string_view kEpsilonFlaggedMetricsSql = R"sql(
SELECT s.store_id, s.day, s.metric, s.epsilon_micros
FROM (SELECT store_id, day FROM hq_epsilon_days
      WHERE day BETWEEN $1 AND $2 AND (epsilon_micros > $3 OR unstated > 0)
      ORDER BY epsilon_micros DESC, store_id, day LIMIT $4) d
JOIN hq_epsilon_sums s ON s.store_id = d.store_id AND s.day = d.day
)sql";

// The listed store-days with their metrics (`metrics` rows: store, day, metric, micros), by store
// then day; metric rows of days not listed are left out.
struct EpsilonMetricRow {
  std::string store_id;
  int64_t day = 0;
  std::string metric;
  int64_t micros = 0;
};
std::vector<EpsilonStoreDay> JoinEpsilonMetrics(std::vector<EpsilonStoreDay> days,
                                                std::vector<EpsilonMetricRow> metrics);

}  // namespace optin::hq
