// HQ's one schema, as versioned migrations that run on SQLite and PostgreSQL (portable types:
// TEXT, INTEGER, BIGINT, DOUBLE PRECISION; the same tables and keys on both, storage spelled per
// engine where it must be). Each engine applies the pending ones at open,
// each in its own transaction, and records it in hq_schema_migrations. Append-only: never edit a
// migration that has shipped. Constant data; thread-safe.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace optin::hq {

// What an engine does after a migration's SQL, in its transaction, where SQL alone cannot (SQLite
// has no base64 to read a signed batch's payload with).
enum class HqMigrationStep {
  kNone,
  // Fill hq_epsilon_sums and hq_epsilon_days from every batch stored (epsilon_spent.h).
  kFillEpsilonFromBatches,
};

struct HqMigration {
  int version;            // 1, 2, 3, ... strictly increasing
  std::string_view name;  // recorded in hq_schema_migrations
  std::string_view sql;   // one or more statements
  // When not empty, PostgreSQL runs this instead of `sql` (what the engines spell differently,
  // such as PostgreSQL's INCLUDE). Without it PostgreSQL runs `sql` with SQLite's table option
  // WITHOUT ROWID left out (PostgresSpelling).
  std::string_view postgres_sql = {};
  HqMigrationStep then = HqMigrationStep::kNone;
};

// The table of applied versions (created by each engine before anything else).
inline constexpr std::string_view kHqMigrationsTable = R"sql(
CREATE TABLE IF NOT EXISTS hq_schema_migrations (
  version    INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  applied_at BIGINT NOT NULL
)
)sql";

std::span<const HqMigration> HqSchema();

// `sql` as PostgreSQL runs it: every ") WITHOUT ROWID" (SQLite's clustered tables; PostgreSQL
// has no such option) becomes ")".
std::string PostgresSpelling(std::string_view sql);

}  // namespace optin::hq
