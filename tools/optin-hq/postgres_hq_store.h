// The server engine of HqStore: PostgreSQL through libpq (pg_connection.h), for a chain. A lost
// connection (the server restarted) is re-established on the next operation; an upload whose
// connection broke is retried once on a fresh one (safe: storing is idempotent by batch id), else
// kUnavailable. Bulk loads use COPY. Thread-safe: each operation is one transaction on a
// connection of its own from a small pool (at most kMaxConnections, opened as needed; a caller
// waits while all are busy), so uploads are stored side by side. Uploads share the rows of the
// chain's and a region's sums: each transaction writes those last, in one order of keys, so that
// they wait for each other only from there to their commit and never deadlock. Assigning regions
// and rebuilding the summaries run alone (no upload in flight meanwhile).
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <vector>

#include "tools/optin-hq/hq_schema.h"
#include "tools/optin-hq/hq_store.h"
#include "tools/optin-hq/pg_connection.h"

namespace optin::hq {

class PostgresHqStore final : public HqStore {
 public:
  static constexpr size_t kMaxConnections = 4;

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
  Result<std::vector<EpsilonChainDay>> EpsilonByDay(int64_t from_day, int64_t to_day,
                                                    int64_t policy_micros) override;
  Result<std::vector<EpsilonStoreDay>> EpsilonDays(const EpsilonQuery& query) override;
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
  // A connection of the pool: an idle one (re-established if it broke), a new one while fewer
  // than kMaxConnections are open, else the next one given back.
  Result<std::unique_ptr<PgConnection>> Acquire();
  void Release(std::unique_ptr<PgConnection> conn);
  // Runs `fn(conn)` between BEGIN and COMMIT on a connection of the pool, rolling back when it
  // fails. When the connection is lost and `retry_when_lost`, runs it once more on a new one.
  template <class Fn>
  Status Transaction(Fn&& fn, bool retry_when_lost);

  const std::string url_;
  std::mutex pool_mu_;
  std::condition_variable pool_cv_;
  std::vector<std::unique_ptr<PgConnection>> idle_;  // GUARDED_BY(pool_mu_)
  size_t open_ = 0;                                  // GUARDED_BY(pool_mu_): idle + in use
  // Shared by uploads, exclusive for AssignRegions and RebuildSummaries: an upload adds its
  // batches to the region hq_store_regions names, which only those two change.
  std::shared_mutex summaries_mu_;
  RegionMembers regions_;  // as last assigned (summary_tables.h)
};

}  // namespace optin::hq
