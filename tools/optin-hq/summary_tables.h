// The summary tables HQ keeps so that figures read a few rows instead of one per store, day and
// label (measured in tools/bench/hq_bench). The cells themselves are kept summed per store, day,
// metric and label (hq_cell_sums, since migration 8: the store's labelled figures read it, and
// the signed batches stay in hq_batches). Beside them: per metric, store and day the cells of
// every label summed (hq_store_day_sums); per metric, label and day the chain's sums, with label
// '' for every label summed (hq_chain_day_sums; cell labels are never empty); per store the runs
// of consecutive days it reported (hq_store_day_runs); per metric, region and day the sums of the
// stores the stores file puts in the region (hq_region_day_sums, with hq_store_regions saying
// which region each store's sums were added to: HqStore::AssignRegions moves them when a reload
// moves a store). Ingest adds each stored batch to them in its own transaction (SumBatch);
// RebuildSummaries refills them from hq_cell_sums. The SQL here runs unchanged on SQLite and
// PostgreSQL: SQLite reads `$N` as named parameters numbered in order of first appearance, so
// each statement names them in the order $1, $2, ... and binds by position. Constant data, pure
// functions and RegionMembers; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "tools/optin-hq/batch_record.h"

namespace optin::hq {

// What ingest adds to the summary tables for one batch: its cells summed per key of each table,
// in key order (so that every transaction takes its row locks in one order). The engines write
// each map with the head and the conflict clause below (one row per map entry; PostgreSQL sends
// them as one multi-row VALUES): hq_cell_sums by (day, metric, label); hq_store_day_sums and
// the store's region's hq_region_day_sums by (metric, day); hq_chain_day_sums by (metric, label,
// day) from `by_label` and with label '' from `by_metric`.
struct CellSum {
  int64_t value = 0;
  double variance = 0.0;
  int64_t cells = 0;
  void Add(const CellRecord& c) {
    value += c.value;
    variance += c.variance;
    cells += 1;
  }
  void Add(const CellSum& s) {
    value += s.value;
    variance += s.variance;
    cells += s.cells;
  }
};
struct BatchSums {
  std::map<std::tuple<int64_t, std::string, std::string>, CellSum> by_label;  // day, metric, label
  std::map<std::pair<std::string, int64_t>, CellSum> by_metric;               // metric, day
};
BatchSums SumBatch(const BatchRecord& batch);

// "head VALUES ($1, ..., $cols), ($cols+1, ...) on_conflict" for `rows` rows, the parameters
// numbered in order (as SQLite numbers them too): one row a statement on SQLite, a table's rows
// of an upload in one statement on PostgreSQL.
std::string MultiRowInsertSql(std::string_view head, size_t rows, size_t cols,
                              std::string_view on_conflict = {});

// Heads (up to VALUES) and conflict clauses of the upserts that add a batch's sums.
inline constexpr std::string_view kCellSumsHead =
    "INSERT INTO hq_cell_sums (store_id, day, metric, label, value_sum, variance_sum, cells)";
inline constexpr std::string_view kCellSumsOnConflict = R"sql(
ON CONFLICT (store_id, day, metric, label) DO UPDATE SET
  value_sum = hq_cell_sums.value_sum + excluded.value_sum,
  variance_sum = hq_cell_sums.variance_sum + excluded.variance_sum,
  cells = hq_cell_sums.cells + excluded.cells
)sql";
inline constexpr std::string_view kStoreDaySumsHead =
    "INSERT INTO hq_store_day_sums (metric, store_id, day, value_sum, variance_sum, cells)";
inline constexpr std::string_view kStoreDaySumsOnConflict = R"sql(
ON CONFLICT (metric, store_id, day) DO UPDATE SET
  value_sum = hq_store_day_sums.value_sum + excluded.value_sum,
  variance_sum = hq_store_day_sums.variance_sum + excluded.variance_sum,
  cells = hq_store_day_sums.cells + excluded.cells
)sql";
inline constexpr std::string_view kChainDaySumsHead =
    "INSERT INTO hq_chain_day_sums (metric, label, day, value_sum, variance_sum, cells)";
inline constexpr std::string_view kChainDaySumsOnConflict = R"sql(
ON CONFLICT (metric, label, day) DO UPDATE SET
  value_sum = hq_chain_day_sums.value_sum + excluded.value_sum,
  variance_sum = hq_chain_day_sums.variance_sum + excluded.variance_sum,
  cells = hq_chain_day_sums.cells + excluded.cells
)sql";
inline constexpr std::string_view kRegionDaySumsHead =
    "INSERT INTO hq_region_day_sums (metric, region, day, value_sum, variance_sum, cells)";
inline constexpr std::string_view kRegionDaySumsOnConflict = R"sql(
ON CONFLICT (metric, region, day) DO UPDATE SET
  value_sum = hq_region_day_sums.value_sum + excluded.value_sum,
  variance_sum = hq_region_day_sums.variance_sum + excluded.variance_sum,
  cells = hq_region_day_sums.cells + excluded.cells
)sql";

// Adds ($3 = 1) or takes away ($3 = -1) store $1's day sums to or from region $2. (The
// parameters are named in order of appearance, as SQLite numbers `$N` names so.)
inline constexpr std::string_view kMoveStoreSumsToRegion = R"sql(
WITH moved (store_id, region, sign) AS (
  SELECT CAST($1 AS TEXT), CAST($2 AS TEXT), CAST($3 AS INTEGER))
INSERT INTO hq_region_day_sums (metric, region, day, value_sum, variance_sum, cells)
SELECT s.metric, m.region, s.day, m.sign * s.value_sum, m.sign * s.variance_sum, m.sign * s.cells
FROM hq_store_day_sums s, moved m
WHERE s.store_id = m.store_id
ON CONFLICT (metric, region, day) DO UPDATE SET
  value_sum = hq_region_day_sums.value_sum + excluded.value_sum,
  variance_sum = hq_region_day_sums.variance_sum + excluded.variance_sum,
  cells = hq_region_day_sums.cells + excluded.cells
)sql";
// Recomputes the region sums from the store sums and the regions assigned (after
// kFillSummaries).
inline constexpr std::string_view kFillRegionSums = R"sql(
DELETE FROM hq_region_day_sums;
INSERT INTO hq_region_day_sums (metric, region, day, value_sum, variance_sum, cells)
SELECT s.metric, r.region, s.day, SUM(s.value_sum), SUM(s.variance_sum), SUM(s.cells)
FROM hq_store_day_sums s JOIN hq_store_regions r ON r.store_id = s.store_id
GROUP BY s.metric, r.region, s.day;
)sql";

// Fills the (empty) summary tables from every batch stored (migration 6, from the cells as kept
// until migration 8); the runs are the classic "gaps and
// islands": consecutive days share day - row_number.
inline constexpr std::string_view kFillSummaries = R"sql(
INSERT INTO hq_store_day_sums (metric, store_id, day, value_sum, variance_sum, cells)
SELECT metric, store_id, day, SUM(value), SUM(variance), COUNT(*) FROM hq_cells
GROUP BY metric, store_id, day;
INSERT INTO hq_chain_day_sums (metric, label, day, value_sum, variance_sum, cells)
SELECT metric, label, day, SUM(value), SUM(variance), COUNT(*) FROM hq_cells
GROUP BY metric, label, day;
INSERT INTO hq_chain_day_sums (metric, label, day, value_sum, variance_sum, cells)
SELECT metric, '', day, SUM(value_sum), SUM(variance_sum), SUM(cells) FROM hq_store_day_sums
GROUP BY metric, day;
INSERT INTO hq_store_day_runs (store_id, first_day, last_day)
SELECT store_id, MIN(day), MAX(day) FROM (
  SELECT store_id, day, day - ROW_NUMBER() OVER (PARTITION BY store_id ORDER BY day) AS island
  FROM (SELECT DISTINCT store_id, day FROM hq_batch_periods) AS reported) AS numbered
GROUP BY store_id, island;
)sql";
// RebuildSummaries since the cells are kept summed (migration 8): the same as kFillSummaries,
// from hq_cell_sums.
inline constexpr std::string_view kRefillSummaries = R"sql(
INSERT INTO hq_store_day_sums (metric, store_id, day, value_sum, variance_sum, cells)
SELECT metric, store_id, day, SUM(value_sum), SUM(variance_sum), SUM(cells) FROM hq_cell_sums
GROUP BY metric, store_id, day;
INSERT INTO hq_chain_day_sums (metric, label, day, value_sum, variance_sum, cells)
SELECT metric, label, day, SUM(value_sum), SUM(variance_sum), SUM(cells) FROM hq_cell_sums
GROUP BY metric, label, day;
INSERT INTO hq_chain_day_sums (metric, label, day, value_sum, variance_sum, cells)
SELECT metric, '', day, SUM(value_sum), SUM(variance_sum), SUM(cells) FROM hq_store_day_sums
GROUP BY metric, day;
INSERT INTO hq_store_day_runs (store_id, first_day, last_day)
SELECT store_id, MIN(day), MAX(day) FROM (
  SELECT store_id, day, day - ROW_NUMBER() OVER (PARTITION BY store_id ORDER BY day) AS island
  FROM (SELECT DISTINCT store_id, day FROM hq_batch_periods) AS reported) AS numbered
GROUP BY store_id, island;
)sql";
inline constexpr std::string_view kEmptySummaries = R"sql(
DELETE FROM hq_store_day_sums;
DELETE FROM hq_chain_day_sums;
DELETE FROM hq_store_day_runs;
)sql";

// A store and the region the stores file puts it in.
struct StoreRegion {
  std::string store_id;
  std::string region;
};

// The regions whose sums hq_region_day_sums holds, as last assigned, in memory: a region's summary
// answers for a set of stores only when that set is exactly the region's members as assigned
// (else the figures sum the stores' own summaries). Thread-safe.
class RegionMembers {
 public:
  void Set(std::span<const StoreRegion> mapping);
  // `stores` sorted or not; true when they are exactly the members of `region`.
  bool Matches(std::string_view region, std::span<const std::string> stores) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::vector<std::string>, std::less<>> members_;  // GUARDED_BY(mu_)
};

// What HqStore::AssignRegions does to make the regions assigned (`assigned`, from
// hq_store_regions) those of the stores file (`wanted`): take the sums of `leave` (store, old
// region) away from their regions and drop their rows, then add those of `join` (store, new
// region) and insert their rows; or, past kMaxRegionMoves moves (a chain's first stores file),
// `recompute`: replace every row with `wanted` and refill every region at once
// (kFillRegionSums).
struct RegionPlan {
  bool recompute = false;
  std::vector<StoreRegion> leave;
  std::vector<StoreRegion> join;
};
inline constexpr size_t kMaxRegionMoves = 50;
RegionPlan PlanRegions(std::span<const StoreRegion> assigned, std::span<const StoreRegion> wanted);

// The runs of one store that meet [day - 1, day + 1] (at most two: runs never touch).
struct DayRun {
  int64_t first_day = 0;
  int64_t last_day = 0;
  bool operator==(const DayRun&) const = default;
};

// What adding `day` to a store's runs changes: delete the runs starting on these days, then
// insert `insert`.
struct DayRunEdit {
  std::vector<int64_t> delete_first_days;
  DayRun insert;
};

// nullopt when a run covers `day` already; else the edit that keeps the runs maximal (a day next
// to a run extends it, a day between two joins them).
std::optional<DayRunEdit> AddDayToRuns(std::span<const DayRun> nearby, int64_t day);

}  // namespace optin::hq
