#include "tools/optin-hq/hq_schema.h"

#include <array>

#include "tools/optin-hq/summary_tables.h"

namespace optin::hq {
namespace {

// Days are UTC day numbers (days since 1970-01-01); times are Unix seconds.
constexpr std::string_view kBatchesV1 = R"sql(
CREATE TABLE hq_batches (
  batch_id       TEXT PRIMARY KEY,
  store_id       TEXT NOT NULL,
  format_version INTEGER NOT NULL,
  period_start   BIGINT NOT NULL,
  period_end     BIGINT NOT NULL,
  received_at    BIGINT NOT NULL,
  signed_batch   TEXT NOT NULL
);
CREATE INDEX hq_batches_by_store ON hq_batches (store_id, period_start);
CREATE TABLE hq_batch_periods (
  batch_id     TEXT NOT NULL REFERENCES hq_batches (batch_id),
  store_id     TEXT NOT NULL,
  period_start BIGINT NOT NULL,
  period_end   BIGINT NOT NULL,
  day          INTEGER NOT NULL,
  PRIMARY KEY (batch_id, period_start)
);
CREATE INDEX hq_batch_periods_by_day ON hq_batch_periods (day, store_id);
CREATE TABLE hq_cells (
  batch_id TEXT NOT NULL REFERENCES hq_batches (batch_id),
  store_id TEXT NOT NULL,
  day      INTEGER NOT NULL,
  metric   TEXT NOT NULL,
  label    TEXT NOT NULL,
  value    BIGINT NOT NULL,
  variance DOUBLE PRECISION NOT NULL,
  PRIMARY KEY (batch_id, metric, label, day)
);
CREATE INDEX hq_cells_by_metric_day ON hq_cells (metric, day, store_id);
)sql";

// Accounts: a role per user, the password as PBKDF2 (password_hash.h), the persisted login
// failures; sessions by the SHA-256 of their token (session_token.h).
constexpr std::string_view kAccountsV2 = R"sql(
CREATE TABLE hq_users (
  user_id       TEXT PRIMARY KEY,
  role          TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  failed_logins INTEGER NOT NULL,
  locked_until  BIGINT NOT NULL,
  created_at    BIGINT NOT NULL
);
CREATE TABLE hq_sessions (
  token_hash TEXT PRIMARY KEY,
  user_id    TEXT NOT NULL REFERENCES hq_users (user_id),
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX hq_sessions_by_user ON hq_sessions (user_id);
)sql";

// Signed bundles for the stores (bundle_record.h): every publication kept, the one in force for
// a target being the highest sequence; and what each store reported in force in its batches.
constexpr std::string_view kBundlesV3 = R"sql(
CREATE TABLE hq_bundles (
  kind         TEXT NOT NULL,
  target_type  TEXT NOT NULL,
  target       TEXT NOT NULL,
  sequence     BIGINT NOT NULL,
  version      TEXT NOT NULL,
  issued_at    BIGINT NOT NULL,
  expires_at   BIGINT NOT NULL,
  etag         TEXT NOT NULL,
  jws          TEXT NOT NULL,
  published_at BIGINT NOT NULL,
  PRIMARY KEY (kind, target_type, target, sequence)
);
CREATE TABLE hq_store_bundles (
  store_id    TEXT NOT NULL,
  kind        TEXT NOT NULL,
  version     TEXT NOT NULL,
  etag        TEXT NOT NULL,
  reported_at BIGINT NOT NULL,
  PRIMARY KEY (store_id, kind)
);
)sql";

// Figures from the index (measured with tools/bench/hq_bench, 500 stores x 365 days on
// PostgreSQL): the chain's and a region's year of one metric read 128,000 heap pages through the
// old (metric, day, store_id) index (~900 ms) and only this covering index now (~150 ms in
// psql); a store's year scanned every store's entries of the year (17 ms) and now its own (2 ms;
// not covering, to keep it small: its rows of a year are 365 heap pages).
constexpr std::string_view kFigureIndexesV4 = R"sql(
CREATE INDEX hq_cells_figures ON hq_cells (metric, day, store_id, label, value, variance);
CREATE INDEX hq_cells_by_store ON hq_cells (store_id, metric, day);
DROP INDEX hq_cells_by_metric_day;
)sql";

// The summary tables (summary_tables.h). Clustered by their keys on SQLite (WITHOUT ROWID); on
// PostgreSQL the per-store sums' key carries the sums (INCLUDE), so that a region's year is an
// index-only range per store.
constexpr std::string_view kSummariesV5 = R"sql(
CREATE TABLE hq_store_day_sums (
  metric       TEXT NOT NULL,
  store_id     TEXT NOT NULL,
  day          INTEGER NOT NULL,
  value_sum    BIGINT NOT NULL,
  variance_sum DOUBLE PRECISION NOT NULL,
  cells        BIGINT NOT NULL,
  PRIMARY KEY (metric, store_id, day)
) WITHOUT ROWID;
CREATE TABLE hq_chain_day_sums (
  metric       TEXT NOT NULL,
  label        TEXT NOT NULL,
  day          INTEGER NOT NULL,
  value_sum    BIGINT NOT NULL,
  variance_sum DOUBLE PRECISION NOT NULL,
  cells        BIGINT NOT NULL,
  PRIMARY KEY (metric, label, day)
) WITHOUT ROWID;
CREATE TABLE hq_store_day_runs (
  store_id  TEXT NOT NULL,
  first_day INTEGER NOT NULL,
  last_day  INTEGER NOT NULL,
  PRIMARY KEY (store_id, first_day)
) WITHOUT ROWID;
)sql";
constexpr std::string_view kSummariesV5Postgres = R"sql(
CREATE TABLE hq_store_day_sums (
  metric       TEXT NOT NULL,
  store_id     TEXT NOT NULL,
  day          INTEGER NOT NULL,
  value_sum    BIGINT NOT NULL,
  variance_sum DOUBLE PRECISION NOT NULL,
  cells        BIGINT NOT NULL,
  PRIMARY KEY (metric, store_id, day) INCLUDE (value_sum, variance_sum, cells)
);
CREATE TABLE hq_chain_day_sums (
  metric       TEXT NOT NULL,
  label        TEXT NOT NULL,
  day          INTEGER NOT NULL,
  value_sum    BIGINT NOT NULL,
  variance_sum DOUBLE PRECISION NOT NULL,
  cells        BIGINT NOT NULL,
  PRIMARY KEY (metric, label, day)
);
CREATE TABLE hq_store_day_runs (
  store_id  TEXT NOT NULL,
  first_day INTEGER NOT NULL,
  last_day  INTEGER NOT NULL,
  PRIMARY KEY (store_id, first_day)
);
)sql";

// Per-region day sums (summary_tables.h) and the region each store's sums were added to; filled
// by HqStore::AssignRegions from the stores file at start.
constexpr std::string_view kRegionSumsV7 = R"sql(
CREATE TABLE hq_store_regions (
  store_id TEXT PRIMARY KEY,
  region   TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE hq_region_day_sums (
  metric       TEXT NOT NULL,
  region       TEXT NOT NULL,
  day          INTEGER NOT NULL,
  value_sum    BIGINT NOT NULL,
  variance_sum DOUBLE PRECISION NOT NULL,
  cells        BIGINT NOT NULL,
  PRIMARY KEY (metric, region, day)
) WITHOUT ROWID;
)sql";
constexpr std::string_view kRegionSumsV7Postgres = R"sql(
CREATE TABLE hq_store_regions (
  store_id TEXT PRIMARY KEY,
  region   TEXT NOT NULL
);
CREATE TABLE hq_region_day_sums (
  metric       TEXT NOT NULL,
  region       TEXT NOT NULL,
  day          INTEGER NOT NULL,
  value_sum    BIGINT NOT NULL,
  variance_sum DOUBLE PRECISION NOT NULL,
  cells        BIGINT NOT NULL,
  PRIMARY KEY (metric, region, day)
);
)sql";

// The cells kept summed per store, day, metric and label instead of one row per batch and cell
// (measured in tools/bench/hq_bench at 1,000 stores x 365 days: hq_cells held 17 million rows
// under three indexes, and ingest added 47 of them to each, in pages all over the table). A
// batch's cells now update a few neighbouring rows of one key; the signed batch stays in
// hq_batches, which now counts its cells. Clustered by that key on SQLite (WITHOUT ROWID).
constexpr std::string_view kCellSumsV8 = R"sql(
CREATE TABLE hq_cell_sums (
  store_id     TEXT NOT NULL,
  day          INTEGER NOT NULL,
  metric       TEXT NOT NULL,
  label        TEXT NOT NULL,
  value_sum    BIGINT NOT NULL,
  variance_sum DOUBLE PRECISION NOT NULL,
  cells        BIGINT NOT NULL,
  PRIMARY KEY (store_id, day, metric, label)
) WITHOUT ROWID;
INSERT INTO hq_cell_sums (store_id, day, metric, label, value_sum, variance_sum, cells)
SELECT store_id, day, metric, label, SUM(value), SUM(variance), COUNT(*) FROM hq_cells
GROUP BY store_id, day, metric, label;
ALTER TABLE hq_batches ADD COLUMN cells BIGINT NOT NULL DEFAULT 0;
UPDATE hq_batches SET cells = (SELECT COUNT(*) FROM hq_cells c WHERE c.batch_id = hq_batches.batch_id);
DROP TABLE hq_cells;
)sql";
constexpr std::string_view kCellSumsV8Postgres = R"sql(
CREATE TABLE hq_cell_sums (
  store_id     TEXT NOT NULL,
  day          INTEGER NOT NULL,
  metric       TEXT NOT NULL,
  label        TEXT NOT NULL,
  value_sum    BIGINT NOT NULL,
  variance_sum DOUBLE PRECISION NOT NULL,
  cells        BIGINT NOT NULL,
  PRIMARY KEY (store_id, day, metric, label)
);
INSERT INTO hq_cell_sums (store_id, day, metric, label, value_sum, variance_sum, cells)
SELECT store_id, day, metric, label, SUM(value), SUM(variance), COUNT(*) FROM hq_cells
GROUP BY store_id, day, metric, label;
ALTER TABLE hq_batches ADD COLUMN cells BIGINT NOT NULL DEFAULT 0;
UPDATE hq_batches b SET cells = c.n FROM (SELECT batch_id, COUNT(*) AS n FROM hq_cells
GROUP BY batch_id) c WHERE c.batch_id = b.batch_id;
DROP TABLE hq_cells;
)sql";

// The epsilon each store spent per day and metric, and per day over its metrics, kept at ingest
// so that the privacy officer's view reads a row per store-day instead of every batch's signed
// payload (measured in tools/bench/hq_bench: the chain's 14 days at 5,000 stores took 6-10 s and
// answered 23 MB). The rows of the batches already stored are added by the engine after this SQL
// (HqMigrationStep::kFillEpsilonFromBatches). The index by day answers the chain's days and the
// store-days above the policy.
constexpr std::string_view kEpsilonV9 = R"sql(
CREATE TABLE hq_epsilon_sums (
  store_id       TEXT NOT NULL,
  day            INTEGER NOT NULL,
  metric         TEXT NOT NULL,
  epsilon_micros BIGINT NOT NULL,
  PRIMARY KEY (store_id, day, metric)
) WITHOUT ROWID;
CREATE TABLE hq_epsilon_days (
  store_id       TEXT NOT NULL,
  day            INTEGER NOT NULL,
  epsilon_micros BIGINT NOT NULL,
  batches        BIGINT NOT NULL,
  unstated       BIGINT NOT NULL,
  PRIMARY KEY (store_id, day)
) WITHOUT ROWID;
CREATE INDEX hq_epsilon_days_by_day ON hq_epsilon_days (day, epsilon_micros, unstated);
)sql";
constexpr std::array kMigrations = {
    HqMigration{1, "hq: batches, their periods and cells", kBatchesV1},
    HqMigration{2, "hq: accounts and sessions", kAccountsV2},
    HqMigration{3, "hq: published bundles and the versions stores run", kBundlesV3},
    HqMigration{4, "hq: covering indexes for figures by metric and day, and by store",
                kFigureIndexesV4},
    HqMigration{5, "hq: summary tables for figures (store and chain day sums, reported runs)",
                kSummariesV5, kSummariesV5Postgres},
    // kFillSummaries must keep filling empty summary tables from a database at version 5.
    HqMigration{6, "hq: summary tables filled from the batches stored", kFillSummaries},
    HqMigration{7, "hq: per-region day sums and the region of each store's sums", kRegionSumsV7,
                kRegionSumsV7Postgres},
    HqMigration{8, "hq: cells kept summed per store, day, metric and label", kCellSumsV8,
                kCellSumsV8Postgres},
    HqMigration{9,
                "hq: the epsilon each store spent per day and metric",
                kEpsilonV9,
                {},
                HqMigrationStep::kFillEpsilonFromBatches},
};

}  // namespace

std::span<const HqMigration> HqSchema() { return kMigrations; }

std::string PostgresSpelling(std::string_view sql) {
  constexpr std::string_view kOption = ") WITHOUT ROWID";
  std::string out;
  for (size_t at = sql.find(kOption); at != std::string_view::npos; at = sql.find(kOption)) {
    out += sql.substr(0, at + 1);
    sql.remove_prefix(at + kOption.size());
  }
  return out += sql;
}

}  // namespace optin::hq
