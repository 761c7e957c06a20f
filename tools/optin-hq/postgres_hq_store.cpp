#include "tools/optin-hq/postgres_hq_store.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <map>
#include <set>
#include <tuple>

#include "tools/optin-hq/summary_tables.h"
#include "tools/optin-hq/utc_day.h"

namespace optin::hq {
namespace {

// pg_advisory_xact_lock key serializing migrations between HQ processes ("optinhq" in ASCII).
constexpr std::string_view kMigrationLock = "SELECT pg_advisory_xact_lock(31632926795493745)";

int64_t NowUnix() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A PostgreSQL array literal of texts ('{"a","b"}'), each element quoted and escaped.
std::string TextArray(const std::vector<std::string>& items) {
  std::string out = "{";
  for (const std::string& item : items) {
    if (out.size() > 1) out += ',';
    out += '"';
    for (char ch : item) {
      if (ch == '"' || ch == '\\') out += '\\';
      out += ch;
    }
    out += '"';
  }
  return out + "}";
}

// One field in COPY's text format.
void CopyField(std::string& out, std::string_view text) {
  for (char ch : text) {
    switch (ch) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += ch;
    }
  }
}
void CopyField(std::string& out, int64_t v) { out += std::to_string(v); }
void CopyField(std::string& out, double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, ec == std::errc() ? end : buf);
}
template <class First, class... Rest>
void CopyRow(std::string& out, const First& first, const Rest&... rest) {
  CopyField(out, first);
  ((out += '\t', CopyField(out, rest)), ...);
  out += '\n';
}

// Writes rows of `cols` values as multi-row statements (head, VALUES, conflict clause) inside the
// caller's transaction, each with at most 60,000 parameters (PostgreSQL allows 65,535).
class RowWriter {
 public:
  RowWriter(PgConnection& c, std::string_view head, size_t cols, std::string_view on_conflict = {})
      : c_(c), head_(head), on_conflict_(on_conflict), cols_(cols) {}
  template <class... Values>
  Status Row(const Values&... values) {
    static_assert(sizeof...(Values) > 0);
    (params_.Add(values), ...);
    if (++rows_ * cols_ + cols_ > kMaxParams) return Flush();
    return Ok();
  }
  // Defers the statement of the pending rows (nothing when there are none): it is sent with the
  // connection's next query, at the latest the COMMIT, which returns its error if it fails.
  Status Flush() {
    if (rows_ == 0) return Ok();
    c_.Defer(MultiRowInsertSql(head_, rows_, cols_, on_conflict_), params_);
    params_ = PgParams();
    rows_ = 0;
    return Ok();
  }

 private:
  static constexpr size_t kMaxParams = 60'000;
  PgConnection& c_;
  std::string_view head_, on_conflict_;
  size_t cols_;
  PgParams params_;
  size_t rows_ = 0;
};

// Adds epsilon rows (SumEpsilon's, of one store or of several), in key order, inside the
// caller's transaction.
using EpsilonMetricSums = std::map<std::tuple<std::string, int64_t, std::string>, int64_t>;
using EpsilonDaySums = std::map<std::pair<std::string, int64_t>, EpsilonDaySum>;
Status UpsertEpsilon(PgConnection& c, const EpsilonMetricSums& sums, const EpsilonDaySums& days) {
  RowWriter metric_rows(c, kEpsilonSumsHead, 4, kEpsilonSumsOnConflict);
  for (const auto& [key, micros] : sums) {
    const auto& [store, day, metric] = key;
    OPTIN_TRY(metric_rows.Row(store, day, metric, micros));
  }
  OPTIN_TRY(metric_rows.Flush());
  RowWriter day_rows(c, kEpsilonDaysHead, 5, kEpsilonDaysOnConflict);
  for (const auto& [key, d] : days) {
    OPTIN_TRY(day_rows.Row(key.first, key.second, d.micros, d.batches, d.unstated));
  }
  return day_rows.Flush();
}

// Adds `b`'s epsilon (SumEpsilon) to the maps.
void AddEpsilonOf(const BatchRecord& b, EpsilonMetricSums& sums, EpsilonDaySums& days) {
  const BatchEpsilon e = SumEpsilon(b);
  for (const auto& [key, micros] : e.by_metric) sums[{b.store_id, key.first, key.second}] += micros;
  for (const auto& [day, d] : e.by_day) days[{b.store_id, day}].Add(d);
}

// Migration 9's step (HqMigrationStep::kFillEpsilonFromBatches): every stored batch's epsilon,
// read from its signed payload a page of batches at a time.
Status FillEpsilonFromBatches(PgConnection& c) {
  std::string after;
  for (;;) {
    OPTIN_ASSIGN_OR_RETURN(
        PgResult r, c.Query("SELECT batch_id, store_id, format_version, period_start, period_end, "
                            "signed_batch FROM hq_batches WHERE batch_id > $1 ORDER BY batch_id "
                            "LIMIT 1000",
                            PgParams().Add(after)));
    if (r.rows() == 0) return Ok();
    EpsilonMetricSums sums;
    EpsilonDaySums days;
    for (int i = 0; i < r.rows(); ++i) {
      after = r.Text(i, 0);
      AddEpsilonOf(EpsilonOfStoredBatch(r.Text(i, 1), static_cast<int>(r.Int(i, 2)), r.Int(i, 3),
                                        r.Int(i, 4), r.Text(i, 5)),
                   sums, days);
    }
    OPTIN_TRY(UpsertEpsilon(c, sums, days));
  }
}

}  // namespace

Result<std::unique_ptr<PostgresHqStore>> PostgresHqStore::Open(
    std::string url, std::span<const HqMigration> migrations) {
  std::unique_ptr<PostgresHqStore> s(new PostgresHqStore(std::move(url)));
  OPTIN_TRY(s->Migrate(migrations));
  return s;
}

Result<std::unique_ptr<PgConnection>> PostgresHqStore::Acquire() {
  std::unique_ptr<PgConnection> conn;
  {
    std::unique_lock lock(pool_mu_);
    pool_cv_.wait(lock, [this] { return !idle_.empty() || open_ < kMaxConnections; });
    if (!idle_.empty()) {
      conn = std::move(idle_.back());
      idle_.pop_back();
    } else {
      ++open_;
    }
  }
  Status ready = Ok();
  if (!conn) {
    auto made = PgConnection::Connect(url_);
    if (made)
      conn = std::move(*made);
    else
      ready = std::unexpected(made.error());
  } else if (conn->broken()) {
    ready = conn->Reset();
  }
  if (!ready) {
    Release(nullptr);  // its place in the pool is free again
    return std::unexpected(ready.error());
  }
  return conn;
}

void PostgresHqStore::Release(std::unique_ptr<PgConnection> conn) {
  {
    std::lock_guard lock(pool_mu_);
    if (conn && !conn->broken()) {
      idle_.push_back(std::move(conn));
    } else {
      --open_;  // a broken connection is closed; the next caller opens a new one
    }
  }
  pool_cv_.notify_one();
  // `conn`, if still held here (broken), closes after the lock is released.
}

template <class Fn>
Status PostgresHqStore::Transaction(Fn&& fn, bool retry_when_lost) {
  for (int attempt = 0;; ++attempt) {
    auto conn = Acquire();
    if (!conn) return std::unexpected(conn.error());
    PgConnection& c = **conn;
    c.Defer("BEGIN");  // sent with the transaction's first query
    Status s = fn(c);
    if (s) {
      // The statements still deferred and the COMMIT in one round trip.
      if (auto committed = c.Query("COMMIT"); !committed) s = std::unexpected(committed.error());
    }
    const bool lost = c.broken();
    if (!s && !lost) {
      c.DropDeferred();
      if (c.in_transaction()) (void)c.Exec("ROLLBACK");
    }
    Release(std::move(*conn));
    if (s) return s;
    if (!lost || !retry_when_lost || attempt > 0) return s;
  }
}

Status PostgresHqStore::Migrate(std::span<const HqMigration> migrations) {
  OPTIN_TRY(Transaction(
      [](PgConnection& c) -> Status {
        OPTIN_TRY(c.Exec(kMigrationLock));
        return c.Exec(kHqMigrationsTable);
      },
      false));
  for (const HqMigration& m : migrations) {
    OPTIN_TRY(Transaction(
        [&m](PgConnection& c) -> Status {
          OPTIN_TRY(c.Exec(kMigrationLock));
          OPTIN_ASSIGN_OR_RETURN(PgResult r,
                                 c.Query("SELECT 1 FROM hq_schema_migrations WHERE version = $1",
                                         PgParams().Add(m.version)));
          if (r.rows() > 0) return Ok();
          OPTIN_TRY(c.Exec(m.postgres_sql.empty() ? PostgresSpelling(m.sql)
                                                  : std::string(m.postgres_sql)));
          if (m.then == HqMigrationStep::kFillEpsilonFromBatches) {
            OPTIN_TRY(FillEpsilonFromBatches(c));
          }
          OPTIN_TRY(
              c.Query("INSERT INTO hq_schema_migrations (version, name, applied_at) "
                      "VALUES ($1, $2, $3)",
                      PgParams().Add(m.version).Add(m.name).Add(NowUnix())));
          return Ok();
        },
        false));
  }
  return Ok();
}

Result<std::vector<int>> PostgresHqStore::AppliedMigrations() {
  std::vector<int> out;
  OPTIN_TRY(Transaction(
      [&out](PgConnection& c) -> Status {
        out.clear();
        OPTIN_ASSIGN_OR_RETURN(
            PgResult r, c.Query("SELECT version FROM hq_schema_migrations ORDER BY version"));
        for (int i = 0; i < r.rows(); ++i) out.push_back(static_cast<int>(r.Int(i, 0)));
        return Ok();
      },
      true));
  return out;
}

namespace {

// Records what stores report in force (HqStore::RecordBundlesInForce's rule: an older report
// arriving late changes nothing), inside the caller's transaction.
Status UpsertBundlesInForce(PgConnection& c, std::span<const BundleInForce> reports) {
  for (const BundleInForce& r : reports) {
    c.Defer(
        "INSERT INTO hq_store_bundles (store_id, kind, version, etag, reported_at) VALUES "
        "($1, $2, $3, $4, $5) ON CONFLICT (store_id, kind) DO UPDATE SET version = "
        "excluded.version, etag = excluded.etag, reported_at = excluded.reported_at WHERE "
        "hq_store_bundles.reported_at <= excluded.reported_at",
        PgParams().Add(r.store_id).Add(r.kind).Add(r.version).Add(r.etag).Add(r.reported_at));
  }
  return Ok();
}

// A batch an upload stored, with its cells summed (SumBatch).
struct SummedBatch {
  const BatchRecord* batch;
  BatchSums sums;
};

// Adds the days `days` of one store to its runs of days (kept maximal, AddDayToRuns): reads the
// runs near those days once, then deletes the runs that changed and inserts what replaces them.
Status AddDaysToRuns(PgConnection& c, const std::string& store_id, const std::set<int64_t>& days) {
  if (days.empty()) return Ok();
  OPTIN_ASSIGN_OR_RETURN(
      PgResult r, c.Query("SELECT first_day, last_day FROM hq_store_day_runs WHERE store_id = $1 "
                          "AND first_day <= $2::integer + 1 AND last_day >= $3::integer - 1",
                          PgParams().Add(store_id).Add(*days.rbegin()).Add(*days.begin())));
  std::map<int64_t, int64_t> before, runs;  // first day -> last day
  for (int i = 0; i < r.rows(); ++i) before[r.Int(i, 0)] = r.Int(i, 1);
  runs = before;
  for (int64_t day : days) {
    std::vector<DayRun> nearby;
    for (const auto& [first, last] : runs) {
      if (first <= day + 1 && last >= day - 1) nearby.push_back(DayRun{first, last});
    }
    const std::optional<DayRunEdit> edit = AddDayToRuns(nearby, day);
    if (!edit) continue;
    for (int64_t first : edit->delete_first_days) runs.erase(first);
    runs[edit->insert.first_day] = edit->insert.last_day;
  }
  std::string gone;  // an integer[] literal of the first days of the runs that changed
  for (const auto& [first, last] : before) {
    auto it = runs.find(first);
    if (it == runs.end() || it->second != last)
      gone += (gone.empty() ? "" : ",") + std::to_string(first);
  }
  if (!gone.empty()) {
    c.Defer("DELETE FROM hq_store_day_runs WHERE store_id = $1 AND first_day = ANY($2::integer[])",
            PgParams().Add(store_id).Add("{" + gone + "}"));
  }
  RowWriter inserts(c, "INSERT INTO hq_store_day_runs (store_id, first_day, last_day)", 3);
  for (const auto& [first, last] : runs) {
    auto it = before.find(first);
    if (it == before.end() || it->second != last) OPTIN_TRY(inserts.Row(store_id, first, last));
  }
  return inserts.Flush();
}

// Adds the batches an upload stored to their stores' own rows: the cell sums and the stores' day
// sums (summary_tables.h), their runs of days, their epsilon (epsilon_spent.h), each table as
// upserts of the whole upload's rows; inside the caller's transaction.
Status AddToStoreSums(PgConnection& c, std::span<const SummedBatch> stored) {
  std::map<std::tuple<std::string_view, int64_t, std::string_view, std::string_view>, CellSum>
      cells;
  std::map<std::tuple<std::string_view, std::string_view, int64_t>, CellSum> store_days;
  std::map<std::string, std::set<int64_t>, std::less<>> reported;
  EpsilonMetricSums epsilon;
  EpsilonDaySums epsilon_days;
  for (const auto& [b, sums] : stored) {
    for (const auto& [key, s] : sums.by_label) {
      cells[{b->store_id, std::get<0>(key), std::get<1>(key), std::get<2>(key)}].Add(s);
    }
    for (const auto& [key, s] : sums.by_metric)
      store_days[{key.first, b->store_id, key.second}].Add(s);
    for (const BatchPeriod& p : b->periods) reported[b->store_id].insert(UtcDayOf(p.start));
    AddEpsilonOf(*b, epsilon, epsilon_days);
  }
  RowWriter cell_rows(c, kCellSumsHead, 7, kCellSumsOnConflict);
  for (const auto& [key, s] : cells) {
    const auto& [store, day, metric, label] = key;
    OPTIN_TRY(cell_rows.Row(store, day, metric, label, s.value, s.variance, s.cells));
  }
  OPTIN_TRY(cell_rows.Flush());
  RowWriter day_rows(c, kStoreDaySumsHead, 6, kStoreDaySumsOnConflict);
  for (const auto& [key, s] : store_days) {
    const auto& [metric, store, day] = key;
    OPTIN_TRY(day_rows.Row(metric, store, day, s.value, s.variance, s.cells));
  }
  OPTIN_TRY(day_rows.Flush());
  for (const auto& [store, days] : reported) OPTIN_TRY(AddDaysToRuns(c, store, days));
  return UpsertEpsilon(c, epsilon, epsilon_days);
}

// Adds the batches an upload stored to the rows every upload shares: their regions' day sums
// (the region hq_store_regions names for each store), then the chain's, each as one upsert of
// the whole upload's rows in key order, the last writes before the commit. Concurrent uploads
// thus lock shared rows in one order (no deadlock) and hold them only until they commit.
Status AddToSharedSums(PgConnection& c, std::span<const SummedBatch> stored) {
  if (stored.empty()) return Ok();
  std::set<std::string> store_ids;
  for (const SummedBatch& b : stored) store_ids.insert(b.batch->store_id);
  OPTIN_ASSIGN_OR_RETURN(PgResult r,
                         c.Query("SELECT store_id, region FROM hq_store_regions WHERE store_id = "
                                 "ANY($1::text[])",
                                 PgParams().Add(TextArray({store_ids.begin(), store_ids.end()}))));
  std::map<std::string, std::string, std::less<>> region_of;
  for (int i = 0; i < r.rows(); ++i) region_of[r.Text(i, 0)] = r.Text(i, 1);
  // (region, metric, day) and (metric, label, day), label '' for all labels.
  std::map<std::tuple<std::string, std::string, int64_t>, CellSum> regions, chain;
  for (const auto& [batch, sums] : stored) {
    const auto region = region_of.find(batch->store_id);
    for (const auto& [key, s] : sums.by_metric) {
      if (region != region_of.end()) regions[{region->second, key.first, key.second}].Add(s);
      chain[{key.first, "", key.second}].Add(s);
    }
    for (const auto& [key, s] : sums.by_label) {
      chain[{std::get<1>(key), std::get<2>(key), std::get<0>(key)}].Add(s);
    }
  }
  RowWriter region_rows(c, kRegionDaySumsHead, 6, kRegionDaySumsOnConflict);
  for (const auto& [key, s] : regions) {
    const auto& [region, metric, day] = key;
    OPTIN_TRY(region_rows.Row(metric, region, day, s.value, s.variance, s.cells));
  }
  OPTIN_TRY(region_rows.Flush());
  RowWriter chain_rows(c, kChainDaySumsHead, 6, kChainDaySumsOnConflict);
  for (const auto& [key, s] : chain) {
    const auto& [metric, label, day] = key;
    OPTIN_TRY(chain_rows.Row(metric, label, day, s.value, s.variance, s.cells));
  }
  return chain_rows.Flush();
}

// Inserts an upload's batches and their periods on `c` (inside the caller's transaction): the
// outcome of each, kDuplicate for an id stored already or earlier in the upload.
Result<std::vector<IngestOutcome>> InsertBatches(PgConnection& c,
                                                 std::span<const BatchRecord> batches) {
  std::set<std::string_view> offered;
  std::vector<const BatchRecord*> first;  // each id's first occurrence
  for (const BatchRecord& b : batches) {
    if (offered.insert(b.batch_id).second) first.push_back(&b);
  }
  std::set<std::string> inserted;
  constexpr size_t kRows = 5'000;  // 40,000 parameters
  for (size_t from = 0; from < first.size(); from += kRows) {
    const auto chunk = std::span(first).subspan(from, std::min(kRows, first.size() - from));
    PgParams params;
    for (const BatchRecord* b : chunk) {
      params.Add(b->batch_id)
          .Add(b->store_id)
          .Add(b->format_version)
          .Add(b->periods.front().start)
          .Add(b->periods.back().end)
          .Add(b->received_at)
          .Add(b->signed_batch)
          .Add(static_cast<int64_t>(b->cells.size()));
    }
    OPTIN_ASSIGN_OR_RETURN(
        PgResult r,
        c.Query(MultiRowInsertSql("INSERT INTO hq_batches (batch_id, store_id, format_version, "
                                  "period_start, period_end, received_at, signed_batch, cells)",
                                  chunk.size(), 8,
                                  " ON CONFLICT (batch_id) DO NOTHING RETURNING batch_id"),
                params));
    for (int i = 0; i < r.rows(); ++i) inserted.insert(r.Text(i, 0));
  }
  std::vector<IngestOutcome> outcomes;
  RowWriter periods(c,
                    "INSERT INTO hq_batch_periods (batch_id, store_id, period_start, "
                    "period_end, day)",
                    5);
  for (const BatchRecord& b : batches) {
    const bool stored = inserted.erase(b.batch_id) > 0;  // its first occurrence only
    outcomes.push_back(stored ? IngestOutcome::kStored : IngestOutcome::kDuplicate);
    if (!stored) continue;
    for (const BatchPeriod& p : b.periods) {
      OPTIN_TRY(periods.Row(b.batch_id, b.store_id, p.start, p.end, UtcDayOf(p.start)));
    }
  }
  OPTIN_TRY(periods.Flush());
  return outcomes;
}

}  // namespace

Result<IngestOutcome> PostgresHqStore::StoreBatch(const BatchRecord& b) {
  OPTIN_ASSIGN_OR_RETURN(auto outcomes, StoreBatches(std::span<const BatchRecord>(&b, 1)));
  return outcomes.front();
}

Result<std::vector<IngestOutcome>> PostgresHqStore::StoreBatches(
    std::span<const BatchRecord> batches) {
  for (const BatchRecord& b : batches) OPTIN_TRY(ValidateBatchRecord(b));
  if (batches.empty()) return std::vector<IngestOutcome>();
  std::shared_lock regions_stay(summaries_mu_);
  std::vector<IngestOutcome> outcomes;
  OPTIN_TRY(Transaction(
      [&](PgConnection& c) -> Status {
        // One upload of a store at a time (a box retrying while its first try is still being
        // stored): the store's runs of days are read and then rewritten.
        std::set<std::string_view> store_ids;
        for (const BatchRecord& b : batches) store_ids.insert(b.store_id);
        for (std::string_view id : store_ids) {
          c.Defer("SELECT pg_advisory_xact_lock(hashtext('hq-store'), hashtext($1))",
                  PgParams().Add(id));
        }
        OPTIN_ASSIGN_OR_RETURN(outcomes, InsertBatches(c, batches));
        std::vector<SummedBatch> stored;
        for (size_t i = 0; i < batches.size(); ++i) {
          if (outcomes[i] != IngestOutcome::kStored) continue;
          stored.push_back(SummedBatch{&batches[i], SumBatch(batches[i])});
          OPTIN_TRY(UpsertBundlesInForce(c, batches[i].bundles_in_force));
        }
        OPTIN_TRY(AddToStoreSums(c, stored));
        return AddToSharedSums(c, stored);
      },
      true));
  return outcomes;
}

Result<std::vector<BatchSummary>> PostgresHqStore::ListBatches(std::string_view store_id) {
  std::vector<BatchSummary> out;
  OPTIN_TRY(Transaction(
      [&](PgConnection& c) -> Status {
        out.clear();
        OPTIN_ASSIGN_OR_RETURN(
            PgResult r,
            c.Query("SELECT b.batch_id, b.store_id, b.format_version, b.received_at, "
                    "b.signed_batch, b.cells, p.period_start, p.period_end FROM hq_batches b JOIN "
                    "hq_batch_periods p ON p.batch_id = b.batch_id WHERE b.store_id = $1 "
                    "ORDER BY b.period_start, b.batch_id, p.period_start",
                    PgParams().Add(store_id)));
        for (int i = 0; i < r.rows(); ++i) {
          if (out.empty() || out.back().batch_id != r.Text(i, 0)) {
            out.push_back(BatchSummary{r.Text(i, 0),
                                       r.Text(i, 1),
                                       static_cast<int>(r.Int(i, 2)),
                                       {},
                                       r.Int(i, 3),
                                       r.Text(i, 4),
                                       r.Int(i, 5)});
          }
          out.back().periods.push_back(BatchPeriod{r.Int(i, 6), r.Int(i, 7)});
        }
        return Ok();
      },
      true));
  return out;
}

Result<std::vector<StoreActivity>> PostgresHqStore::LastBatches() {
  std::vector<StoreActivity> out;
  OPTIN_TRY(Transaction(
      [&](PgConnection& c) -> Status {
        out.clear();
        OPTIN_ASSIGN_OR_RETURN(
            PgResult r, c.Query("SELECT store_id, MAX(received_at), MAX(period_end), COUNT(*) "
                                "FROM hq_batches GROUP BY store_id ORDER BY store_id"));
        for (int i = 0; i < r.rows(); ++i) {
          out.push_back(StoreActivity{r.Text(i, 0), r.Int(i, 1), r.Int(i, 2), r.Int(i, 3)});
        }
        return Ok();
      },
      true));
  return out;
}

Result<std::vector<DaySum>> PostgresHqStore::SumByDay(const FiguresQuery& q) {
  PgParams params;
  params.Add(q.metric).Add(q.label.value_or("")).Add(q.from_day).Add(q.to_day);
  std::string sql;
  if (!q.stores) {
    sql =
        "SELECT day, value_sum, variance_sum, cells FROM hq_chain_day_sums WHERE metric = $1 "
        "AND label = $2 AND day BETWEEN $3::integer AND $4::integer ORDER BY day";
  } else if (q.region && !q.label && regions_.Matches(*q.region, *q.stores)) {
    params = PgParams();
    params.Add(q.metric).Add(*q.region).Add(q.from_day).Add(q.to_day);
    sql =
        "SELECT day, value_sum, variance_sum, cells FROM hq_region_day_sums WHERE metric = $1 "
        "AND region = $2 AND day BETWEEN $3::integer AND $4::integer ORDER BY day";
  } else {
    params.Add(TextArray(*q.stores));
    sql = q.label ? "SELECT day, SUM(value_sum)::bigint, SUM(variance_sum), SUM(cells)::bigint "
                    "FROM hq_cell_sums WHERE metric = $1 AND label = $2 AND store_id = "
                    "ANY($5::text[]) AND day BETWEEN $3::integer AND $4::integer GROUP BY day "
                    "ORDER BY day"
                  : "SELECT day, SUM(value_sum)::bigint, SUM(variance_sum), SUM(cells)::bigint "
                    "FROM hq_store_day_sums WHERE metric = $1 AND $2 = '' AND store_id = "
                    "ANY($5::text[]) AND day BETWEEN $3::integer AND $4::integer GROUP BY day "
                    "ORDER BY day";
  }
  std::vector<DaySum> out;
  OPTIN_TRY(Transaction(
      [&](PgConnection& c) -> Status {
        out.clear();
        OPTIN_ASSIGN_OR_RETURN(PgResult r, c.Query(sql, params));
        for (int i = 0; i < r.rows(); ++i) {
          out.push_back(DaySum{r.Int(i, 0), r.Int(i, 1), r.Double(i, 2), r.Int(i, 3)});
        }
        return Ok();
      },
      true));
  return out;
}

Result<std::vector<ReportedRun>> PostgresHqStore::ReportedRuns(
    int64_t from_day, int64_t to_day, const std::optional<std::vector<std::string>>& stores) {
  PgParams params;
  params.Add(from_day).Add(to_day);
  std::string sql =
      "SELECT store_id, first_day, last_day FROM hq_store_day_runs WHERE first_day <= "
      "$2::integer AND last_day >= $1::integer";
  if (stores) {
    params.Add(TextArray(*stores));
    sql += " AND store_id = ANY($3::text[])";
  }
  sql += " ORDER BY store_id, first_day";
  std::vector<ReportedRun> out;
  OPTIN_TRY(Transaction(
      [&](PgConnection& c) -> Status {
        out.clear();
        OPTIN_ASSIGN_OR_RETURN(PgResult r, c.Query(sql, params));
        for (int i = 0; i < r.rows(); ++i) {
          out.push_back(ReportedRun{r.Text(i, 0), r.Int(i, 1), r.Int(i, 2)});
        }
        return Ok();
      },
      true));
  return out;
}

Status PostgresHqStore::RebuildSummaries() {
  std::unique_lock alone(summaries_mu_);
  return Transaction(
      [](PgConnection& c) -> Status {
        OPTIN_TRY(c.Exec(kEmptySummaries));
        OPTIN_TRY(c.Exec(kRefillSummaries));
        return c.Exec(kFillRegionSums);
      },
      false);
}

Status PostgresHqStore::AssignRegions(std::span<const StoreRegion> mapping) {
  std::unique_lock alone(summaries_mu_);
  OPTIN_TRY(Transaction(
      [&](PgConnection& c) -> Status {
        OPTIN_ASSIGN_OR_RETURN(PgResult r,
                               c.Query("SELECT store_id, region FROM hq_store_regions"));
        std::vector<StoreRegion> assigned;
        for (int i = 0; i < r.rows(); ++i) {
          assigned.push_back(StoreRegion{r.Text(i, 0), r.Text(i, 1)});
        }
        const RegionPlan plan = PlanRegions(assigned, mapping);
        if (plan.recompute) OPTIN_TRY(c.Exec("DELETE FROM hq_store_regions"));
        for (const StoreRegion& m : plan.leave) {
          OPTIN_TRY(
              c.Query(kMoveStoreSumsToRegion, PgParams().Add(m.store_id).Add(m.region).Add(-1)));
          OPTIN_TRY(c.Query("DELETE FROM hq_store_regions WHERE store_id = $1",
                            PgParams().Add(m.store_id)));
        }
        for (const StoreRegion& m : plan.join) {
          OPTIN_TRY(c.Query("INSERT INTO hq_store_regions (store_id, region) VALUES ($1, $2)",
                            PgParams().Add(m.store_id).Add(m.region)));
          if (!plan.recompute) {
            OPTIN_TRY(
                c.Query(kMoveStoreSumsToRegion, PgParams().Add(m.store_id).Add(m.region).Add(1)));
          }
        }
        return c.Exec(plan.recompute ? kFillRegionSums
                                     : "DELETE FROM hq_region_day_sums WHERE cells = 0");
      },
      true));
  regions_.Set(mapping);
  return Ok();
}

Result<std::vector<EpsilonChainDay>> PostgresHqStore::EpsilonByDay(int64_t from_day, int64_t to_day,
                                                                   int64_t policy_micros) {
  std::vector<EpsilonChainDay> out;
  OPTIN_TRY(Transaction(
      [&](PgConnection& c) -> Status {
        out.clear();
        OPTIN_ASSIGN_OR_RETURN(
            PgResult r,
            c.Query(kEpsilonByDaySql, PgParams().Add(policy_micros).Add(from_day).Add(to_day)));
        for (int i = 0; i < r.rows(); ++i) {
          out.push_back(
              EpsilonChainDay{r.Int(i, 0), r.Int(i, 1), r.Int(i, 2), r.Int(i, 3), r.Int(i, 4)});
        }
        return Ok();
      },
      true));
  return out;
}

Result<std::vector<EpsilonStoreDay>> PostgresHqStore::EpsilonDays(const EpsilonQuery& query) {
  std::vector<EpsilonStoreDay> days;
  std::vector<EpsilonMetricRow> metrics;
  OPTIN_TRY(Transaction(
      [&](PgConnection& c) -> Status {
        days.clear();
        metrics.clear();
        PgParams p;
        if (query.store_id) {
          p.Add(*query.store_id).Add(query.from_day).Add(query.to_day);
        } else {
          p.Add(query.from_day).Add(query.to_day).Add(query.above_micros).Add(query.limit);
        }
        OPTIN_ASSIGN_OR_RETURN(
            PgResult m,
            c.Query(query.store_id ? kEpsilonStoreMetricsSql : kEpsilonFlaggedMetricsSql, p));
        OPTIN_ASSIGN_OR_RETURN(
            PgResult d, c.Query(query.store_id ? kEpsilonStoreDaysSql : kEpsilonFlaggedDaysSql, p));
        for (int i = 0; i < d.rows(); ++i) {
          days.push_back(EpsilonStoreDay{
              d.Text(i, 0), d.Int(i, 1), d.Int(i, 2), d.Int(i, 3), d.Int(i, 4), {}});
        }
        for (int i = 0; i < m.rows(); ++i) {
          metrics.push_back(EpsilonMetricRow{m.Text(i, 0), m.Int(i, 1), m.Text(i, 2), m.Int(i, 3)});
        }
        return Ok();
      },
      true));
  return JoinEpsilonMetrics(std::move(days), std::move(metrics));
}

Result<std::vector<std::string>> PostgresHqStore::MetricLabels(std::string_view metric,
                                                               int64_t from_day, int64_t to_day) {
  std::vector<std::string> out;
  OPTIN_TRY(Transaction(
      [&](PgConnection& c) -> Status {
        out.clear();
        OPTIN_ASSIGN_OR_RETURN(
            PgResult r, c.Query("SELECT DISTINCT label FROM hq_chain_day_sums WHERE metric = $1 "
                                "AND label <> '' AND day BETWEEN $2::integer AND $3::integer "
                                "ORDER BY label",
                                PgParams().Add(metric).Add(from_day).Add(to_day)));
        for (int i = 0; i < r.rows(); ++i) out.push_back(r.Text(i, 0));
        return Ok();
      },
      true));
  return out;
}

Result<int64_t> PostgresHqStore::BulkLoad(std::span<const BatchRecord> batches) {
  for (const BatchRecord& b : batches) OPTIN_TRY(ValidateBatchRecord(b));
  std::string batch_rows, period_rows, cell_rows;
  int64_t cells = 0;
  // The cells summed per store, day, metric and label over the whole load.
  std::map<std::tuple<std::string_view, int64_t, std::string_view, std::string_view>, CellSum> sums;
  EpsilonMetricSums epsilon;
  EpsilonDaySums epsilon_days;
  for (const BatchRecord& b : batches) {
    CopyRow(batch_rows, std::string_view(b.batch_id), std::string_view(b.store_id),
            int64_t{b.format_version}, b.periods.front().start, b.periods.back().end, b.received_at,
            std::string_view(b.signed_batch), static_cast<int64_t>(b.cells.size()));
    for (const BatchPeriod& p : b.periods) {
      CopyRow(period_rows, std::string_view(b.batch_id), std::string_view(b.store_id), p.start,
              p.end, UtcDayOf(p.start));
    }
    for (const CellRecord& c : b.cells) sums[{b.store_id, c.day, c.metric, c.label}].Add(c);
    cells += static_cast<int64_t>(b.cells.size());
    AddEpsilonOf(b, epsilon, epsilon_days);
  }
  for (const auto& [key, s] : sums) {
    const auto& [store, day, metric, label] = key;
    CopyRow(cell_rows, store, day, metric, label, s.value, s.variance, s.cells);
  }
  std::string epsilon_rows, epsilon_day_rows;
  for (const auto& [key, micros] : epsilon) {
    const auto& [store, day, metric] = key;
    CopyRow(epsilon_rows, std::string_view(store), day, std::string_view(metric), micros);
  }
  for (const auto& [key, d] : epsilon_days) {
    CopyRow(epsilon_day_rows, std::string_view(key.first), key.second, d.micros, d.batches,
            d.unstated);
  }
  OPTIN_TRY(Transaction(
      [&](PgConnection& c) -> Status {
        OPTIN_TRY(
            c.CopyIn("COPY hq_batches (batch_id, store_id, format_version, period_start, "
                     "period_end, received_at, signed_batch, cells) FROM STDIN",
                     batch_rows));
        OPTIN_TRY(
            c.CopyIn("COPY hq_batch_periods (batch_id, store_id, period_start, "
                     "period_end, day) FROM STDIN",
                     period_rows));
        OPTIN_TRY(c.CopyIn(
            "COPY hq_cell_sums (store_id, day, metric, label, value_sum, variance_sum, cells) "
            "FROM STDIN",
            cell_rows));
        OPTIN_TRY(
            c.CopyIn("COPY hq_epsilon_sums (store_id, day, metric, epsilon_micros) FROM STDIN",
                     epsilon_rows));
        return c.CopyIn(
            "COPY hq_epsilon_days (store_id, day, epsilon_micros, batches, unstated) FROM STDIN",
            epsilon_day_rows);
      },
      false));
  return cells;
}

}  // namespace optin::hq

namespace optin::hq {

Status PostgresHqStore::AddUser(const UserRecord& u) {
  return Transaction(
      [&](PgConnection& c) -> Status {
        OPTIN_ASSIGN_OR_RETURN(
            PgResult r,
            c.Query("INSERT INTO hq_users (user_id, role, password_hash, failed_logins, "
                    "locked_until, created_at) VALUES ($1, $2, $3, $4, $5, $6) "
                    "ON CONFLICT (user_id) DO NOTHING",
                    PgParams()
                        .Add(u.user_id)
                        .Add(u.role)
                        .Add(u.password_hash)
                        .Add(u.failed_logins)
                        .Add(u.locked_until)
                        .Add(u.created_at)));
        if (r.affected_rows() == 0) {
          return Fail(ErrorCode::kConflict, "user '" + u.user_id + "' exists already", "id",
                      "user-exists");
        }
        return Ok();
      },
      false);
}

Result<std::optional<UserRecord>> PostgresHqStore::FindUser(std::string_view user_id) {
  std::optional<UserRecord> out;
  OPTIN_TRY(Transaction(
      [&](PgConnection& c) -> Status {
        out.reset();
        OPTIN_ASSIGN_OR_RETURN(PgResult r,
                               c.Query("SELECT user_id, role, password_hash, failed_logins, "
                                       "locked_until, created_at FROM hq_users WHERE user_id = $1",
                                       PgParams().Add(user_id)));
        if (r.rows() > 0) {
          out = UserRecord{r.Text(0, 0), r.Text(0, 1), r.Text(0, 2),
                           r.Int(0, 3),  r.Int(0, 4),  r.Int(0, 5)};
        }
        return Ok();
      },
      true));
  return out;
}

Status PostgresHqStore::RecordLogin(const LoginOutcome& o) {
  return Transaction(
      [&](PgConnection& c) -> Status {
        OPTIN_TRY(
            c.Query("UPDATE hq_users SET failed_logins = $1, locked_until = $2 WHERE user_id = $3",
                    PgParams().Add(o.failed_logins).Add(o.locked_until).Add(o.user_id)));
        if (o.session) {
          OPTIN_TRY(
              c.Query("INSERT INTO hq_sessions (token_hash, user_id, created_at, "
                      "expires_at) VALUES ($1, $2, $3, $4)",
                      PgParams()
                          .Add(o.session->token_hash)
                          .Add(o.user_id)
                          .Add(o.session->created_at)
                          .Add(o.session->expires_at)));
        }
        return Ok();
      },
      false);
}

Result<std::optional<SessionRecord>> PostgresHqStore::FindSession(std::string_view token_hash) {
  std::optional<SessionRecord> out;
  OPTIN_TRY(Transaction(
      [&](PgConnection& c) -> Status {
        out.reset();
        OPTIN_ASSIGN_OR_RETURN(
            PgResult r,
            c.Query("SELECT s.token_hash, s.user_id, u.role, s.created_at, s.expires_at FROM "
                    "hq_sessions s JOIN hq_users u ON u.user_id = s.user_id WHERE "
                    "s.token_hash = $1",
                    PgParams().Add(token_hash)));
        if (r.rows() > 0) {
          out = SessionRecord{r.Text(0, 0), r.Text(0, 1), r.Text(0, 2), r.Int(0, 3), r.Int(0, 4)};
        }
        return Ok();
      },
      true));
  return out;
}

Status PostgresHqStore::DeleteSession(std::string_view token_hash) {
  return Transaction(
      [&](PgConnection& c) -> Status {
        OPTIN_TRY(
            c.Query("DELETE FROM hq_sessions WHERE token_hash = $1", PgParams().Add(token_hash)));
        return Ok();
      },
      true);
}

Status PostgresHqStore::PublishBundle(const BundleRecord& b) {
  return Transaction(
      [&](PgConnection& c) -> Status {
        // Two publishers of one target take turns: the check and the insert are one step.
        OPTIN_TRY(c.Query("SELECT pg_advisory_xact_lock(hashtext($1))",
                          PgParams().Add(b.kind + "|" + b.target_type + "|" + b.target)));
        OPTIN_ASSIGN_OR_RETURN(PgResult r,
                               c.Query("SELECT max(sequence) FROM hq_bundles WHERE kind = $1 AND "
                                       "target_type = $2 AND target = $3",
                                       PgParams().Add(b.kind).Add(b.target_type).Add(b.target)));
        if (r.rows() > 0 && !r.IsNull(0, 0) && r.Int(0, 0) >= b.sequence) {
          return Fail(
              ErrorCode::kConflict,
              "a " + b.kind + " as new or newer is published for " + b.target_type + " " + b.target,
              "file", "bundle-not-newer");
        }
        OPTIN_TRY(
            c.Query("INSERT INTO hq_bundles (kind, target_type, target, sequence, version, "
                    "issued_at, expires_at, etag, jws, published_at) VALUES ($1, $2, $3, "
                    "$4, $5, $6, $7, $8, $9, $10)",
                    PgParams()
                        .Add(b.kind)
                        .Add(b.target_type)
                        .Add(b.target)
                        .Add(b.sequence)
                        .Add(b.version)
                        .Add(b.issued_at)
                        .Add(b.expires_at)
                        .Add(b.etag)
                        .Add(b.jws)
                        .Add(b.published_at)));
        return Ok();
      },
      false);
}

Result<std::optional<BundleRecord>> PostgresHqStore::LatestBundle(std::string_view kind,
                                                                  std::string_view target_type,
                                                                  std::string_view target) {
  std::optional<BundleRecord> out;
  OPTIN_TRY(Transaction(
      [&](PgConnection& c) -> Status {
        out.reset();
        OPTIN_ASSIGN_OR_RETURN(
            PgResult r,
            c.Query("SELECT kind, target_type, target, version, sequence, issued_at, expires_at, "
                    "etag, jws, published_at FROM hq_bundles WHERE kind = $1 AND target_type = "
                    "$2 AND target = $3 ORDER BY sequence DESC LIMIT 1",
                    PgParams().Add(kind).Add(target_type).Add(target)));
        if (r.rows() > 0) {
          out = BundleRecord{r.Text(0, 0), r.Text(0, 1), r.Text(0, 2), r.Text(0, 3), r.Int(0, 4),
                             r.Int(0, 5),  r.Int(0, 6),  r.Text(0, 7), r.Text(0, 8), r.Int(0, 9)};
        }
        return Ok();
      },
      true));
  return out;
}

Status PostgresHqStore::RecordBundlesInForce(std::span<const BundleInForce> reports) {
  return Transaction([&](PgConnection& c) -> Status { return UpsertBundlesInForce(c, reports); },
                     true);
}

Result<std::vector<BundleInForce>> PostgresHqStore::ListBundlesInForce() {
  std::vector<BundleInForce> out;
  OPTIN_TRY(Transaction(
      [&](PgConnection& c) -> Status {
        out.clear();
        OPTIN_ASSIGN_OR_RETURN(PgResult r,
                               c.Query("SELECT store_id, kind, version, etag, reported_at FROM "
                                       "hq_store_bundles ORDER BY store_id, kind"));
        for (int i = 0; i < r.rows(); ++i) {
          out.push_back(
              BundleInForce{r.Text(i, 0), r.Text(i, 1), r.Text(i, 2), r.Text(i, 3), r.Int(i, 4)});
        }
        return Ok();
      },
      true));
  return out;
}

}  // namespace optin::hq
