// The server engine of HqStore: PostgreSQL through libpq (pg_connection.h), for a chain. A lost
// connection (the server restarted) is re-established on the next operation; an upload whose
// connection broke is retried once on a fresh one (safe: storing is idempotent by batch id), else
// kUnavailable. Bulk loads use COPY. Thread-safe: a mutex serializes operations on one
// connection.
#pragma once

#include <memory>
#include <mutex>
#include <span>
#include <string>

#include "tools/optin-hq/hq_schema.h"
#include "tools/optin-hq/hq_store.h"
#include "tools/optin-hq/pg_connection.h"

namespace optin::hq {

class PostgresHqStore final : public HqStore {
 public:
  // Connects with a libpq URI ("postgresql://user@host:port/db?...") and applies the pending
  // `migrations` (serialized between HQ processes by an advisory lock).
  static Result<std::unique_ptr<PostgresHqStore>> Open(
      std::string url, std::span<const HqMigration> migrations = HqSchema());

  std::string_view engine() const override { return "postgresql"; }
  Result<std::vector<int>> AppliedMigrations() override;
  Result<IngestOutcome> StoreBatch(const BatchRecord& batch) override;
  Result<std::vector<IngestOutcome>> StoreBatches(std::span<const BatchRecord> batches) override;
  Result<std::vector<BatchSummary>> ListBatches(std::string_view store_id) override;
  Result<std::vector<StoreActivity>> LastBatches() override;
  Result<std::vector<DaySum>> SumByDay(const FiguresQuery& query) override;
  Result<std::vector<ReportedRun>> ReportedRuns(
      int64_t from_day, int64_t to_day,
      const std::optional<std::vector<std::string>>& stores) override;
  Result<std::vector<BatchSummary>> BatchesCovering(
      int64_t from_day, int64_t to_day, std::optional<std::string_view> store_id) override;
  Result<std::vector<std::string>> MetricLabels(std::string_view metric, int64_t from_day,
                                                int64_t to_day) override;
  Result<int64_t> BulkLoad(std::span<const BatchRecord> batches) override;
  Status RebuildSummaries() override;
  Status AssignRegions(std::span<const StoreRegion> mapping) override;

  Status AddUser(const UserRecord& user) override;
  Result<std::optional<UserRecord>> FindUser(std::string_view user_id) override;
  Status RecordLogin(const LoginOutcome& outcome) override;
  Result<std::optional<SessionRecord>> FindSession(std::string_view token_hash) override;
  Status DeleteSession(std::string_view token_hash) override;

  Status PublishBundle(const BundleRecord& bundle) override;
  Result<std::optional<BundleRecord>> LatestBundle(std::string_view kind,
                                                   std::string_view target_type,
                                                   std::string_view target) override;
  Status RecordBundlesInForce(std::span<const BundleInForce> reports) override;
  Result<std::vector<BundleInForce>> ListBundlesInForce() override;

 private:
  explicit PostgresHqStore(std::string url) : url_(std::move(url)) {}
  Status Migrate(std::span<const HqMigration> migrations);
  // Connects when there is no usable connection.
  Status EnsureConnected();
  // Runs `fn(conn)` between BEGIN and COMMIT, rolling back when it fails. When the connection
  // is lost and `retry_when_lost`, runs it once more on a new connection.
  template <class Fn>
  Status Transaction(Fn&& fn, bool retry_when_lost);

  std::mutex mu_;
  const std::string url_;
  std::unique_ptr<PgConnection> conn_;  // GUARDED_BY(mu_)
  RegionMembers regions_;               // as last assigned (summary_tables.h)
};

}  // namespace optin::hq
