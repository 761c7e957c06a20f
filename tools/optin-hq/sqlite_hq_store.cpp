#include "tools/optin-hq/sqlite_hq_store.h"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <set>

#include "tools/optin-hq/summary_tables.h"
#include "tools/optin-hq/utc_day.h"

namespace optin::hq {
namespace {

namespace json = boost::json;

// A JSON array of texts, for SQLite's json_each.
std::string JsonTextArray(const std::vector<std::string>& items) {
  json::array a;
  for (const std::string& item : items) a.emplace_back(item);
  return json::serialize(a);
}

int64_t NowUnix() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Result<std::unique_ptr<SqliteHqStore>> SqliteHqStore::Open(
    const std::filesystem::path& file, std::span<const HqMigration> migrations) {
  OPTIN_ASSIGN_OR_RETURN(auto conn, store::Connection::Open(file, store::OpenMode::kReadWrite));
  std::unique_ptr<SqliteHqStore> s(new SqliteHqStore(std::move(conn)));
  std::lock_guard lock(s->mu_);
  OPTIN_TRY(s->Migrate(migrations));
  return s;
}

template <class Fn>
Status SqliteHqStore::Transaction(Fn&& fn) {
  OPTIN_TRY(conn_->Exec("BEGIN IMMEDIATE"));
  Status s = fn();
  if (s) s = conn_->Exec("COMMIT");
  if (!s) (void)conn_->Exec("ROLLBACK");
  return s;
}

Status SqliteHqStore::Migrate(std::span<const HqMigration> migrations) {
  OPTIN_TRY(conn_->Exec(kHqMigrationsTable));
  for (const HqMigration& m : migrations) {
    OPTIN_TRY(Transaction([&]() -> Status {
      OPTIN_ASSIGN_OR_RETURN(
          auto q, conn_->Prepare("SELECT 1 FROM hq_schema_migrations WHERE version = ?"));
      q.BindAll(int64_t{m.version});
      OPTIN_ASSIGN_OR_RETURN(bool applied, q.Step());
      if (applied) return Ok();
      OPTIN_TRY(conn_->Exec(m.sql));
      if (m.then == HqMigrationStep::kFillEpsilonFromBatches) OPTIN_TRY(FillEpsilonFromBatches());
      OPTIN_TRY(conn_->Execute(
          "INSERT INTO hq_schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
          int64_t{m.version}, m.name, NowUnix()));
      return Ok();
    }));
  }
  return Ok();
}

Result<std::vector<int>> SqliteHqStore::AppliedMigrations() {
  std::lock_guard lock(mu_);
  OPTIN_ASSIGN_OR_RETURN(
      auto q, conn_->Prepare("SELECT version FROM hq_schema_migrations ORDER BY version"));
  std::vector<int> out;
  for (;;) {
    OPTIN_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back(static_cast<int>(q.ColumnInt(0)));
  }
  return out;
}

Status SqliteHqStore::InsertBatch(const BatchRecord& b, const BatchSums& sums) {
  OPTIN_TRY(conn_->Execute(
      "INSERT INTO hq_batches (batch_id, store_id, format_version, period_start, period_end, "
      "received_at, signed_batch, cells) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      b.batch_id, b.store_id, int64_t{b.format_version}, b.periods.front().start,
      b.periods.back().end, b.received_at, b.signed_batch, static_cast<int64_t>(b.cells.size())));
  for (const BatchPeriod& p : b.periods) {
    OPTIN_TRY(conn_->Execute(
        "INSERT INTO hq_batch_periods (batch_id, store_id, period_start, period_end, day) "
        "VALUES (?, ?, ?, ?, ?)",
        b.batch_id, b.store_id, p.start, p.end, UtcDayOf(p.start)));
  }
  const std::string upsert = MultiRowInsertSql(kCellSumsHead, 1, 7, kCellSumsOnConflict);
  for (const auto& [key, s] : sums.by_label) {
    const auto& [day, metric, label] = key;
    OPTIN_TRY(conn_->Execute(upsert, b.store_id, day, metric, label, s.value, s.variance, s.cells));
  }
  return AddEpsilon(b.store_id, SumEpsilon(b));
}

Status SqliteHqStore::AddEpsilon(const std::string& store_id, const BatchEpsilon& e) {
  const std::string sums = MultiRowInsertSql(kEpsilonSumsHead, 1, 4, kEpsilonSumsOnConflict);
  const std::string days = MultiRowInsertSql(kEpsilonDaysHead, 1, 5, kEpsilonDaysOnConflict);
  for (const auto& [key, micros] : e.by_metric) {
    OPTIN_TRY(conn_->Execute(sums, store_id, key.first, key.second, micros));
  }
  for (const auto& [day, d] : e.by_day) {
    OPTIN_TRY(conn_->Execute(days, store_id, day, d.micros, d.batches, d.unstated));
  }
  return Ok();
}

Status SqliteHqStore::FillEpsilonFromBatches() {
  std::string after;
  for (;;) {
    OPTIN_ASSIGN_OR_RETURN(
        auto q, conn_->Prepare("SELECT batch_id, store_id, format_version, period_start, "
                               "period_end, signed_batch FROM hq_batches WHERE batch_id > ? "
                               "ORDER BY batch_id LIMIT 1000"));
    q.BindAll(after);
    std::vector<BatchRecord> page;
    for (;;) {
      OPTIN_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      after = q.ColumnText(0);
      page.push_back(EpsilonOfStoredBatch(q.ColumnText(1), static_cast<int>(q.ColumnInt(2)),
                                          q.ColumnInt(3), q.ColumnInt(4), q.ColumnText(5)));
    }
    if (page.empty()) return Ok();
    for (const BatchRecord& b : page) OPTIN_TRY(AddEpsilon(b.store_id, SumEpsilon(b)));
  }
}

Status SqliteHqStore::AddToSummaries(const BatchRecord& b, const BatchSums& sums) {
  const std::string store_upsert =
      MultiRowInsertSql(kStoreDaySumsHead, 1, 6, kStoreDaySumsOnConflict);
  const std::string region_upsert =
      MultiRowInsertSql(kRegionDaySumsHead, 1, 6, kRegionDaySumsOnConflict);
  const std::string chain_upsert =
      MultiRowInsertSql(kChainDaySumsHead, 1, 6, kChainDaySumsOnConflict);
  std::optional<std::string> region;
  {
    OPTIN_ASSIGN_OR_RETURN(
        auto q, conn_->Prepare("SELECT region FROM hq_store_regions WHERE store_id = ?"));
    q.BindAll(b.store_id);
    OPTIN_ASSIGN_OR_RETURN(bool row, q.Step());
    if (row) region = q.ColumnText(0);
  }
  for (const auto& [key, s] : sums.by_metric) {
    const auto& [metric, day] = key;
    OPTIN_TRY(conn_->Execute(store_upsert, metric, b.store_id, day, s.value, s.variance, s.cells));
    if (region) {
      OPTIN_TRY(conn_->Execute(region_upsert, metric, *region, day, s.value, s.variance, s.cells));
    }
    OPTIN_TRY(
        conn_->Execute(chain_upsert, metric, std::string(), day, s.value, s.variance, s.cells));
  }
  for (const auto& [key, s] : sums.by_label) {
    const auto& [day, metric, label] = key;
    OPTIN_TRY(conn_->Execute(chain_upsert, metric, label, day, s.value, s.variance, s.cells));
  }
  std::set<int64_t> days;
  for (const BatchPeriod& p : b.periods) days.insert(UtcDayOf(p.start));
  for (int64_t day : days) {
    OPTIN_ASSIGN_OR_RETURN(
        auto q, conn_->Prepare("SELECT first_day, last_day FROM hq_store_day_runs WHERE "
                               "store_id = ?1 AND first_day <= ?2 + 1 AND last_day >= ?2 - 1"));
    q.BindAll(b.store_id, day);
    std::vector<DayRun> nearby;
    for (;;) {
      OPTIN_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      nearby.push_back(DayRun{q.ColumnInt(0), q.ColumnInt(1)});
    }
    const std::optional<DayRunEdit> edit = AddDayToRuns(nearby, day);
    if (!edit) continue;
    for (int64_t first : edit->delete_first_days) {
      OPTIN_TRY(conn_->Execute("DELETE FROM hq_store_day_runs WHERE store_id = ? AND first_day = ?",
                               b.store_id, first));
    }
    OPTIN_TRY(conn_->Execute(
        "INSERT INTO hq_store_day_runs (store_id, first_day, last_day) VALUES (?, ?, ?)",
        b.store_id, edit->insert.first_day, edit->insert.last_day));
  }
  return Ok();
}

Result<IngestOutcome> SqliteHqStore::StoreBatch(const BatchRecord& batch) {
  OPTIN_TRY(ValidateBatchRecord(batch));
  std::lock_guard lock(mu_);
  IngestOutcome outcome = IngestOutcome::kStored;
  OPTIN_TRY(Transaction([&]() -> Status {
    OPTIN_ASSIGN_OR_RETURN(auto q, conn_->Prepare("SELECT 1 FROM hq_batches WHERE batch_id = ?"));
    q.BindAll(batch.batch_id);
    OPTIN_ASSIGN_OR_RETURN(bool found, q.Step());
    if (found) {
      outcome = IngestOutcome::kDuplicate;
      return Ok();
    }
    const BatchSums sums = SumBatch(batch);
    OPTIN_TRY(InsertBatch(batch, sums));
    OPTIN_TRY(AddToSummaries(batch, sums));
    return UpsertBundlesInForce(batch.bundles_in_force);
  }));
  return outcome;
}

Result<std::vector<IngestOutcome>> SqliteHqStore::StoreBatches(
    std::span<const BatchRecord> batches) {
  for (const BatchRecord& b : batches) OPTIN_TRY(ValidateBatchRecord(b));
  std::lock_guard lock(mu_);
  std::vector<IngestOutcome> outcomes;
  OPTIN_TRY(Transaction([&]() -> Status {
    outcomes.clear();
    for (const BatchRecord& b : batches) {
      OPTIN_ASSIGN_OR_RETURN(auto q, conn_->Prepare("SELECT 1 FROM hq_batches WHERE batch_id = ?"));
      q.BindAll(b.batch_id);
      OPTIN_ASSIGN_OR_RETURN(bool found, q.Step());
      if (found) {
        outcomes.push_back(IngestOutcome::kDuplicate);
        continue;
      }
      const BatchSums sums = SumBatch(b);
      OPTIN_TRY(InsertBatch(b, sums));
      OPTIN_TRY(AddToSummaries(b, sums));
      OPTIN_TRY(UpsertBundlesInForce(b.bundles_in_force));
      outcomes.push_back(IngestOutcome::kStored);
    }
    return Ok();
  }));
  return outcomes;
}

Result<std::vector<BatchSummary>> SqliteHqStore::ListBatches(std::string_view store_id) {
  std::lock_guard lock(mu_);
  std::vector<BatchSummary> out;
  OPTIN_TRY(Transaction([&]() -> Status {
    OPTIN_ASSIGN_OR_RETURN(
        auto q, conn_->Prepare("SELECT b.batch_id, b.store_id, b.format_version, b.received_at, "
                               "b.signed_batch, b.cells FROM hq_batches b WHERE b.store_id = ? "
                               "ORDER BY b.period_start, b.batch_id"));
    q.BindAll(store_id);
    for (;;) {
      OPTIN_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      out.push_back(BatchSummary{q.ColumnText(0),
                                 q.ColumnText(1),
                                 static_cast<int>(q.ColumnInt(2)),
                                 {},
                                 q.ColumnInt(3),
                                 q.ColumnText(4),
                                 q.ColumnInt(5)});
    }
    for (BatchSummary& s : out) {
      OPTIN_ASSIGN_OR_RETURN(auto p,
                             conn_->Prepare("SELECT period_start, period_end FROM hq_batch_periods "
                                            "WHERE batch_id = ? ORDER BY period_start"));
      p.BindAll(s.batch_id);
      for (;;) {
        OPTIN_ASSIGN_OR_RETURN(bool row, p.Step());
        if (!row) break;
        s.periods.push_back(BatchPeriod{p.ColumnInt(0), p.ColumnInt(1)});
      }
    }
    return Ok();
  }));
  return out;
}

Result<std::vector<StoreActivity>> SqliteHqStore::LastBatches() {
  std::lock_guard lock(mu_);
  OPTIN_ASSIGN_OR_RETURN(auto q, conn_->Prepare("SELECT store_id, MAX(received_at), "
                                                "MAX(period_end), COUNT(*) FROM hq_batches "
                                                "GROUP BY store_id ORDER BY store_id"));
  std::vector<StoreActivity> out;
  for (;;) {
    OPTIN_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back(StoreActivity{q.ColumnText(0), q.ColumnInt(1), q.ColumnInt(2), q.ColumnInt(3)});
  }
  return out;
}

Result<std::vector<DaySum>> SqliteHqStore::SumByDay(const FiguresQuery& query) {
  std::string_view sql =
      "SELECT day, value_sum, variance_sum, cells FROM hq_chain_day_sums WHERE metric = ?1 AND "
      "label = ?2 AND day BETWEEN ?3 AND ?4 AND ?5 IS NULL ORDER BY day";
  std::optional<std::string> stores;
  std::string second = query.label.value_or("");
  if (query.stores && query.region && !query.label &&
      regions_.Matches(*query.region, *query.stores)) {
    second = *query.region;
    sql =
        "SELECT day, value_sum, variance_sum, cells FROM hq_region_day_sums WHERE metric = ?1 "
        "AND region = ?2 AND day BETWEEN ?3 AND ?4 AND ?5 IS NULL ORDER BY day";
  } else if (query.stores) {
    stores = JsonTextArray(*query.stores);
    sql = query.label
              ? "SELECT day, SUM(value_sum), SUM(variance_sum), SUM(cells) FROM hq_cell_sums "
                "WHERE metric = ?1 AND label = ?2 AND store_id IN (SELECT value FROM "
                "json_each(?5)) AND day BETWEEN ?3 AND ?4 GROUP BY day ORDER BY day"
              : "SELECT day, SUM(value_sum), SUM(variance_sum), SUM(cells) FROM hq_store_day_sums "
                "WHERE metric = ?1 AND ?2 = '' AND store_id IN (SELECT value FROM json_each(?5)) "
                "AND day BETWEEN ?3 AND ?4 GROUP BY day ORDER BY day";
  }
  std::lock_guard lock(mu_);
  OPTIN_ASSIGN_OR_RETURN(auto q, conn_->Prepare(sql));
  q.BindAll(query.metric, second, query.from_day, query.to_day, stores);
  std::vector<DaySum> out;
  for (;;) {
    OPTIN_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back(DaySum{q.ColumnInt(0), q.ColumnInt(1), q.ColumnDouble(2), q.ColumnInt(3)});
  }
  return out;
}

Result<std::vector<ReportedRun>> SqliteHqStore::ReportedRuns(
    int64_t from_day, int64_t to_day, const std::optional<std::vector<std::string>>& stores) {
  std::optional<std::string> only;
  if (stores) only = JsonTextArray(*stores);
  std::lock_guard lock(mu_);
  OPTIN_ASSIGN_OR_RETURN(
      auto q, conn_->Prepare("SELECT store_id, first_day, last_day FROM hq_store_day_runs WHERE "
                             "first_day <= ?2 AND last_day >= ?1 AND (?3 IS NULL OR store_id IN "
                             "(SELECT value FROM json_each(?3))) ORDER BY store_id, first_day"));
  q.BindAll(from_day, to_day, only);
  std::vector<ReportedRun> out;
  for (;;) {
    OPTIN_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back(ReportedRun{q.ColumnText(0), q.ColumnInt(1), q.ColumnInt(2)});
  }
  return out;
}

Status SqliteHqStore::RebuildSummaries() {
  std::lock_guard lock(mu_);
  return Transaction([&]() -> Status {
    OPTIN_TRY(conn_->Exec(kEmptySummaries));
    OPTIN_TRY(conn_->Exec(kRefillSummaries));
    return conn_->Exec(kFillRegionSums);
  });
}

Status SqliteHqStore::AssignRegions(std::span<const StoreRegion> mapping) {
  std::lock_guard lock(mu_);
  OPTIN_TRY(Transaction([&]() -> Status {
    OPTIN_ASSIGN_OR_RETURN(auto q, conn_->Prepare("SELECT store_id, region FROM hq_store_regions"));
    std::vector<StoreRegion> assigned;
    for (;;) {
      OPTIN_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      assigned.push_back(StoreRegion{q.ColumnText(0), q.ColumnText(1)});
    }
    const RegionPlan plan = PlanRegions(assigned, mapping);
    if (plan.recompute) OPTIN_TRY(conn_->Exec("DELETE FROM hq_store_regions"));
    for (const StoreRegion& m : plan.leave) {
      OPTIN_TRY(conn_->Execute(kMoveStoreSumsToRegion, m.store_id, m.region, int64_t{-1}));
      OPTIN_TRY(conn_->Execute("DELETE FROM hq_store_regions WHERE store_id = ?", m.store_id));
    }
    for (const StoreRegion& m : plan.join) {
      OPTIN_TRY(conn_->Execute("INSERT INTO hq_store_regions (store_id, region) VALUES (?, ?)",
                               m.store_id, m.region));
      if (!plan.recompute) {
        OPTIN_TRY(conn_->Execute(kMoveStoreSumsToRegion, m.store_id, m.region, int64_t{1}));
      }
    }
    return conn_->Exec(plan.recompute ? kFillRegionSums
                                      : "DELETE FROM hq_region_day_sums WHERE cells = 0");
  }));
  regions_.Set(mapping);
  return Ok();
}

Result<std::vector<EpsilonChainDay>> SqliteHqStore::EpsilonByDay(int64_t from_day, int64_t to_day,
                                                                 int64_t policy_micros) {
  std::lock_guard lock(mu_);
  OPTIN_ASSIGN_OR_RETURN(auto q, conn_->Prepare(kEpsilonByDaySql));
  q.BindAll(policy_micros, from_day, to_day);
  std::vector<EpsilonChainDay> out;
  for (;;) {
    OPTIN_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back(EpsilonChainDay{q.ColumnInt(0), q.ColumnInt(1), q.ColumnInt(2), q.ColumnInt(3),
                                  q.ColumnInt(4)});
  }
  return out;
}

Result<std::vector<EpsilonStoreDay>> SqliteHqStore::EpsilonDays(const EpsilonQuery& query) {
  std::lock_guard lock(mu_);
  std::vector<EpsilonStoreDay> days;
  std::vector<EpsilonMetricRow> metrics;
  // Both reads under the one connection's lock: no write comes between them.
  OPTIN_TRY([&]() -> Status {
    OPTIN_ASSIGN_OR_RETURN(
        auto d, conn_->Prepare(query.store_id ? kEpsilonStoreDaysSql : kEpsilonFlaggedDaysSql));
    OPTIN_ASSIGN_OR_RETURN(auto m, conn_->Prepare(query.store_id ? kEpsilonStoreMetricsSql
                                                                 : kEpsilonFlaggedMetricsSql));
    if (query.store_id) {
      d.BindAll(*query.store_id, query.from_day, query.to_day);
      m.BindAll(*query.store_id, query.from_day, query.to_day);
    } else {
      d.BindAll(query.from_day, query.to_day, query.above_micros, query.limit);
      m.BindAll(query.from_day, query.to_day, query.above_micros, query.limit);
    }
    for (;;) {
      OPTIN_ASSIGN_OR_RETURN(bool row, d.Step());
      if (!row) break;
      days.push_back(EpsilonStoreDay{
          d.ColumnText(0), d.ColumnInt(1), d.ColumnInt(2), d.ColumnInt(3), d.ColumnInt(4), {}});
    }
    for (;;) {
      OPTIN_ASSIGN_OR_RETURN(bool row, m.Step());
      if (!row) break;
      metrics.push_back(
          EpsilonMetricRow{m.ColumnText(0), m.ColumnInt(1), m.ColumnText(2), m.ColumnInt(3)});
    }
    return Ok();
  }());
  return JoinEpsilonMetrics(std::move(days), std::move(metrics));
}

Result<std::vector<std::string>> SqliteHqStore::MetricLabels(std::string_view metric,
                                                             int64_t from_day, int64_t to_day) {
  std::lock_guard lock(mu_);
  OPTIN_ASSIGN_OR_RETURN(auto q,
                         conn_->Prepare("SELECT DISTINCT label FROM hq_chain_day_sums WHERE "
                                        "metric = ? AND label <> '' AND day BETWEEN ? "
                                        "AND ? ORDER BY label"));
  q.BindAll(metric, from_day, to_day);
  std::vector<std::string> out;
  for (;;) {
    OPTIN_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back(q.ColumnText(0));
  }
  return out;
}

Result<int64_t> SqliteHqStore::BulkLoad(std::span<const BatchRecord> batches) {
  for (const BatchRecord& b : batches) OPTIN_TRY(ValidateBatchRecord(b));
  std::lock_guard lock(mu_);
  int64_t cells = 0;
  OPTIN_TRY(Transaction([&]() -> Status {
    for (const BatchRecord& b : batches) {
      OPTIN_TRY(InsertBatch(b, SumBatch(b)));
      cells += static_cast<int64_t>(b.cells.size());
    }
    return Ok();
  }));
  return cells;
}

}  // namespace optin::hq

namespace optin::hq {

Status SqliteHqStore::AddUser(const UserRecord& u) {
  std::lock_guard lock(mu_);
  return Transaction([&]() -> Status {
    OPTIN_ASSIGN_OR_RETURN(auto q, conn_->Prepare("SELECT 1 FROM hq_users WHERE user_id = ?"));
    q.BindAll(u.user_id);
    OPTIN_ASSIGN_OR_RETURN(bool found, q.Step());
    if (found) {
      return Fail(ErrorCode::kConflict, "user '" + u.user_id + "' exists already", "id",
                  "user-exists");
    }
    OPTIN_TRY(conn_->Execute(
        "INSERT INTO hq_users (user_id, role, password_hash, failed_logins, locked_until, "
        "created_at) VALUES (?, ?, ?, ?, ?, ?)",
        u.user_id, u.role, u.password_hash, u.failed_logins, u.locked_until, u.created_at));
    return Ok();
  });
}

Result<std::optional<UserRecord>> SqliteHqStore::FindUser(std::string_view user_id) {
  std::lock_guard lock(mu_);
  OPTIN_ASSIGN_OR_RETURN(
      auto q, conn_->Prepare("SELECT user_id, role, password_hash, failed_logins, locked_until, "
                             "created_at FROM hq_users WHERE user_id = ?"));
  q.BindAll(user_id);
  OPTIN_ASSIGN_OR_RETURN(bool found, q.Step());
  if (!found) return std::optional<UserRecord>();
  return std::optional<UserRecord>(UserRecord{q.ColumnText(0), q.ColumnText(1), q.ColumnText(2),
                                              q.ColumnInt(3), q.ColumnInt(4), q.ColumnInt(5)});
}

Status SqliteHqStore::RecordLogin(const LoginOutcome& o) {
  std::lock_guard lock(mu_);
  return Transaction([&]() -> Status {
    OPTIN_TRY(
        conn_->Execute("UPDATE hq_users SET failed_logins = ?, locked_until = ? WHERE user_id = ?",
                       o.failed_logins, o.locked_until, o.user_id));
    if (o.session) {
      OPTIN_TRY(conn_->Execute(
          "INSERT INTO hq_sessions (token_hash, user_id, created_at, expires_at) "
          "VALUES (?, ?, ?, ?)",
          o.session->token_hash, o.user_id, o.session->created_at, o.session->expires_at));
    }
    return Ok();
  });
}

Result<std::optional<SessionRecord>> SqliteHqStore::FindSession(std::string_view token_hash) {
  std::lock_guard lock(mu_);
  OPTIN_ASSIGN_OR_RETURN(
      auto q, conn_->Prepare("SELECT s.token_hash, s.user_id, u.role, s.created_at, "
                             "s.expires_at FROM hq_sessions s JOIN hq_users u ON u.user_id = "
                             "s.user_id WHERE s.token_hash = ?"));
  q.BindAll(token_hash);
  OPTIN_ASSIGN_OR_RETURN(bool found, q.Step());
  if (!found) return std::optional<SessionRecord>();
  return std::optional<SessionRecord>(SessionRecord{
      q.ColumnText(0), q.ColumnText(1), q.ColumnText(2), q.ColumnInt(3), q.ColumnInt(4)});
}

Status SqliteHqStore::DeleteSession(std::string_view token_hash) {
  std::lock_guard lock(mu_);
  OPTIN_TRY(conn_->Execute("DELETE FROM hq_sessions WHERE token_hash = ?", token_hash));
  return Ok();
}

Status SqliteHqStore::PublishBundle(const BundleRecord& b) {
  std::lock_guard lock(mu_);
  return Transaction([&]() -> Status {
    OPTIN_ASSIGN_OR_RETURN(auto q, conn_->Prepare("SELECT max(sequence) FROM hq_bundles WHERE "
                                                  "kind = ? AND target_type = ? AND target = ?"));
    q.BindAll(b.kind, b.target_type, b.target);
    OPTIN_ASSIGN_OR_RETURN(bool found, q.Step());
    if (found && !q.ColumnIsNull(0) && q.ColumnInt(0) >= b.sequence) {
      return Fail(
          ErrorCode::kConflict,
          "a " + b.kind + " as new or newer is published for " + b.target_type + " " + b.target,
          "file", "bundle-not-newer");
    }
    OPTIN_TRY(conn_->Execute(
        "INSERT INTO hq_bundles (kind, target_type, target, sequence, version, issued_at, "
        "expires_at, etag, jws, published_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        b.kind, b.target_type, b.target, b.sequence, b.version, b.issued_at, b.expires_at, b.etag,
        b.jws, b.published_at));
    return Ok();
  });
}

Result<std::optional<BundleRecord>> SqliteHqStore::LatestBundle(std::string_view kind,
                                                                std::string_view target_type,
                                                                std::string_view target) {
  std::lock_guard lock(mu_);
  OPTIN_ASSIGN_OR_RETURN(
      auto q, conn_->Prepare("SELECT kind, target_type, target, version, sequence, issued_at, "
                             "expires_at, etag, jws, published_at FROM hq_bundles WHERE kind = ? "
                             "AND target_type = ? AND target = ? ORDER BY sequence DESC LIMIT 1"));
  q.BindAll(kind, target_type, target);
  OPTIN_ASSIGN_OR_RETURN(bool found, q.Step());
  if (!found) return std::optional<BundleRecord>();
  return std::optional<BundleRecord>(BundleRecord{
      q.ColumnText(0), q.ColumnText(1), q.ColumnText(2), q.ColumnText(3), q.ColumnInt(4),
      q.ColumnInt(5), q.ColumnInt(6), q.ColumnText(7), q.ColumnText(8), q.ColumnInt(9)});
}

Status SqliteHqStore::UpsertBundlesInForce(std::span<const BundleInForce> reports) {
  for (const BundleInForce& r : reports) {
    OPTIN_TRY(conn_->Execute(
        "INSERT INTO hq_store_bundles (store_id, kind, version, etag, reported_at) VALUES (?, "
        "?, ?, ?, ?) ON CONFLICT (store_id, kind) DO UPDATE SET version = excluded.version, "
        "etag = excluded.etag, reported_at = excluded.reported_at WHERE "
        "hq_store_bundles.reported_at <= excluded.reported_at",
        r.store_id, r.kind, r.version, r.etag, r.reported_at));
  }
  return Ok();
}

Status SqliteHqStore::RecordBundlesInForce(std::span<const BundleInForce> reports) {
  std::lock_guard lock(mu_);
  return Transaction([&]() -> Status { return UpsertBundlesInForce(reports); });
}

Result<std::vector<BundleInForce>> SqliteHqStore::ListBundlesInForce() {
  std::lock_guard lock(mu_);
  OPTIN_ASSIGN_OR_RETURN(auto q, conn_->Prepare("SELECT store_id, kind, version, etag, "
                                                "reported_at FROM hq_store_bundles ORDER BY "
                                                "store_id, kind"));
  std::vector<BundleInForce> out;
  while (true) {
    OPTIN_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) break;
    out.push_back(BundleInForce{q.ColumnText(0), q.ColumnText(1), q.ColumnText(2), q.ColumnText(3),
                                q.ColumnInt(4)});
  }
  return out;
}

}  // namespace optin::hq
