// HQ's storage, one interface over two engines: SQLite (`sqlite:PATH`, embedded, the default)
// and PostgreSQL (`postgresql://...`, for a chain). Opening one applies the schema's pending
// migrations (hq_schema.h). Every operation is one transaction; storing a batch also adds it to
// the summary tables the figures read (summary_tables.h) and to the epsilon it spent
// (epsilon_spent.h) in the same transaction. Implementations are thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "platform/error.h"
#include "tools/optin-hq/account_record.h"
#include "tools/optin-hq/batch_record.h"
#include "tools/optin-hq/bundle_record.h"
#include "tools/optin-hq/epsilon_spent.h"
#include "tools/optin-hq/figures_query.h"
#include "tools/optin-hq/summary_tables.h"

namespace optin::hq {

enum class IngestOutcome {
  kStored,     // the batch and its cells are stored
  kDuplicate,  // a batch with this id was stored before: nothing was written
};

class HqStore {
 public:
  virtual ~HqStore() = default;

  virtual std::string_view engine() const = 0;  // "sqlite" or "postgresql"

  // The schema versions applied, ascending (hq_schema_migrations).
  virtual Result<std::vector<int>> AppliedMigrations() = 0;

  // Stores the batch, its periods and its cells in one transaction, once per batch id: an id
  // already stored answers kDuplicate and writes nothing. If any part fails, nothing of the
  // batch is stored. kInvalidArgument for a record ValidateBatchRecord refuses; kUnavailable
  // when the database cannot be reached (the caller answers 503 and the box retries).
  virtual Result<IngestOutcome> StoreBatch(const BatchRecord& batch) = 0;
  // The same for every batch of one upload, in one transaction (their outcomes in order): if
  // any part fails, nothing of the upload is stored. A batch id twice in `batches` is stored once
  // (the second is kDuplicate).
  virtual Result<std::vector<IngestOutcome>> StoreBatches(std::span<const BatchRecord> batches) = 0;

  // The batches of one store, oldest period first.
  virtual Result<std::vector<BatchSummary>> ListBatches(std::string_view store_id) = 0;

  // Per store that ever sent a batch: when the last one arrived and what it covered.
  virtual Result<std::vector<StoreActivity>> LastBatches() = 0;

  // Sums of values and variances per day over the stores asked for (figures_query.h), from the
  // summary tables: the chain's year is 365 rows, a region's one index range per store.
  virtual Result<std::vector<DaySum>> SumByDay(const FiguresQuery& query) = 0;

  // The runs of days each store reported (of `stores`, or of every store) that meet
  // [from_day, to_day], by store id then first day, not clipped to the range: for telling
  // missing stores from zeros without one row per store and day.
  virtual Result<std::vector<ReportedRun>> ReportedRuns(
      int64_t from_day, int64_t to_day, const std::optional<std::vector<std::string>>& stores) = 0;

  // For the privacy officer (epsilon_spent.h), from the epsilon tables ingest keeps: per day of
  // [from_day, to_day] the chain's store-days (stores, above `policy_micros`, the most spent);
  // the store-days a query names with their metrics, by store id then day. And for the
  // dashboard, the labels a metric's cells carry over those days, sorted.
  virtual Result<std::vector<EpsilonChainDay>> EpsilonByDay(int64_t from_day, int64_t to_day,
                                                            int64_t policy_micros) = 0;
  virtual Result<std::vector<EpsilonStoreDay>> EpsilonDays(const EpsilonQuery& query) = 0;
  virtual Result<std::vector<std::string>> MetricLabels(std::string_view metric, int64_t from_day,
                                                        int64_t to_day) = 0;

  // Loads many batches at once for benchmarks and imports, in one transaction, without the
  // duplicate check (a batch id already present, or a cell sum or an epsilon row already stored
  // for a store and day the load also has, fails the whole load). PostgreSQL uses COPY.
  // Returns the number of cells loaded. The cell sums and the epsilon tables are written; the
  // summary tables are left as they were: call
  // RebuildSummaries once after the last load (until then figures leave the loaded batches out).
  virtual Result<int64_t> BulkLoad(std::span<const BatchRecord> batches) = 0;
  // Which region each store is in, from the stores file (at start and at each reload): moves
  // the sums of every store whose region changed, that left the file or that is new, to its
  // region's summary, in one transaction. Until it succeeds a region's figures are summed from
  // its stores' own summaries (correct, slower).
  virtual Status AssignRegions(std::span<const StoreRegion> mapping) = 0;
  // Recomputes the summary tables (per store and day, per day for the chain, the runs of days
  // reported) from the batches stored, in one transaction.
  virtual Status RebuildSummaries() = 0;

  // Accounts (accounts.h keeps the rules; these only store). AddUser: kConflict
  // ("user-exists") when the id is taken.
  virtual Status AddUser(const UserRecord& user) = 0;
  virtual Result<std::optional<UserRecord>> FindUser(std::string_view user_id) = 0;
  virtual Status RecordLogin(const LoginOutcome& outcome) = 0;
  // A session by its token hash, with its user's role; nullopt when unknown.
  virtual Result<std::optional<SessionRecord>> FindSession(std::string_view token_hash) = 0;
  virtual Status DeleteSession(std::string_view token_hash) = 0;

  // Signed bundles (bundle_record.h; bundle_check.h keeps the rules, these only store). Every
  // publication is kept; the one in force for a target is the one with the highest sequence.
  // PublishBundle: kConflict ("bundle-not-newer") when the target has one with the same or a
  // higher sequence already (checked in the same transaction as the insert).
  virtual Status PublishBundle(const BundleRecord& bundle) = 0;
  virtual Result<std::optional<BundleRecord>> LatestBundle(std::string_view kind,
                                                           std::string_view target_type,
                                                           std::string_view target) = 0;
  // What stores reported in force: a report replaces the store's row for that kind unless an
  // older one (by reported_at) arrives late. ListBundlesInForce: by store id, then kind.
  virtual Status RecordBundlesInForce(std::span<const BundleInForce> reports) = 0;
  virtual Result<std::vector<BundleInForce>> ListBundlesInForce() = 0;
};

// Opens the store a `--db` value names: "sqlite:PATH" or "postgresql://..." (also
// "postgres://..."; any libpq connection URI). kInvalidArgument (field "db") for anything else.
Result<std::unique_ptr<HqStore>> OpenHqStore(std::string_view db_url);

}  // namespace optin::hq
