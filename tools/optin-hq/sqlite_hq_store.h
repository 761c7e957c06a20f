// The embedded engine of HqStore: one SQLite file (WAL, synchronous=FULL, foreign keys on, as
// store::Connection opens it), the default so that HQ runs without a database server.
// Thread-safe: a mutex serializes every operation on the one connection.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <span>

#include "store/connection.h"
#include "tools/optin-hq/hq_schema.h"
#include "tools/optin-hq/hq_store.h"

namespace optin::hq {

class SqliteHqStore final : public HqStore {
 public:
  // Opens (creating) the file and applies the pending `migrations`.
  static Result<std::unique_ptr<SqliteHqStore>> Open(
      const std::filesystem::path& file, std::span<const HqMigration> migrations = HqSchema());

  std::string_view engine() const override { return "sqlite"; }
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
  explicit SqliteHqStore(std::unique_ptr<store::Connection> conn) : conn_(std::move(conn)) {}
  Status Migrate(std::span<const HqMigration> migrations);
  // Runs `fn` inside BEGIN IMMEDIATE ... COMMIT; rolls back when it (or the commit) fails.
  template <class Fn>
  Status Transaction(Fn&& fn);
  // Inserts the batch row, its periods and cells (no duplicate check).
  // A batch's rows and its cell sums; then the summary tables (summary_tables.h). `sums`:
  // SumBatch(batch).
  Status InsertBatch(const BatchRecord& batch, const BatchSums& sums);
  Status AddToSummaries(const BatchRecord& batch, const BatchSums& sums);
  // Adds a batch's epsilon (SumEpsilon) to its store's rows of the epsilon tables.
  Status AddEpsilon(const std::string& store_id, const BatchEpsilon& epsilon);
  // Migration 9's step (HqMigrationStep::kFillEpsilonFromBatches), in its transaction.
  Status FillEpsilonFromBatches();
  Status UpsertBundlesInForce(std::span<const BundleInForce> reports);  // in a transaction

  std::mutex mu_;
  std::unique_ptr<store::Connection> conn_;  // GUARDED_BY(mu_)
  RegionMembers regions_;                    // as last assigned (summary_tables.h)
};

}  // namespace optin::hq
