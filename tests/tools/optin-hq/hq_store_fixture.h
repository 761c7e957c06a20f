// A test fixture parameterized by engine: an HqStore on SQLite in a temporary file, or on the
// binary's real PostgreSQL 15 server in a fresh database (skipped, saying why, where PostgreSQL
// is not installed). One test thread; not thread-safe.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <span>
#include <string>

#include "store/connection.h"
#include "tests/support/postgres_server.h"
#include "tests/support/temp_dir.h"
#include "tools/optin-hq/hq_store.h"
#include "tools/optin-hq/pg_connection.h"
#include "tools/optin-hq/postgres_hq_store.h"
#include "tools/optin-hq/sqlite_hq_store.h"

namespace optin::hq {

enum class Engine { kSqlite, kPostgres };

// Registered before main(), so that gtest stops the server at the end of the run.
inline testing::PostgresEnvironment* const kPostgresEnvironment =
    testing::PostgresEnvironment::Register();

inline std::string EngineName(const ::testing::TestParamInfo<Engine>& info) {
  return info.param == Engine::kSqlite ? "Sqlite" : "Postgres";
}

class HqStoreFixture : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    if (GetParam() == Engine::kPostgres) {
      auto* pg = kPostgresEnvironment;
      if (!pg->skip_reason().empty()) GTEST_SKIP() << pg->skip_reason();
      server_ = pg->Server();
      ASSERT_NE(server_, nullptr) << pg->error();
      auto url = server_->CreateDatabase();
      ASSERT_TRUE(url) << url.error().message;
      url_ = *url;
    } else {
      url_ = "sqlite:" + (dir_ / "hq.db").string();
    }
  }

  Result<std::unique_ptr<HqStore>> Open(std::span<const HqMigration> migrations = HqSchema()) {
    if (GetParam() == Engine::kPostgres) {
      OPTIN_ASSIGN_OR_RETURN(auto s, PostgresHqStore::Open(url_, migrations));
      return std::unique_ptr<HqStore>(std::move(s));
    }
    OPTIN_ASSIGN_OR_RETURN(auto s, SqliteHqStore::Open(dir_ / "hq.db", migrations));
    return std::unique_ptr<HqStore>(std::move(s));
  }

  std::unique_ptr<HqStore> OpenOrDie() {
    auto s = Open();
    EXPECT_TRUE(s) << s.error().message;
    return s ? std::move(*s) : nullptr;
  }

  // Runs `sql` (statements without parameters) on the test's database directly, as an older
  // version of optin-hq would have written it.
  Status ExecSql(std::string_view sql) {
    if (GetParam() == Engine::kPostgres) {
      OPTIN_ASSIGN_OR_RETURN(auto c, PgConnection::Connect(url_));
      return c->Exec(sql);
    }
    OPTIN_ASSIGN_OR_RETURN(auto c,
                           store::Connection::Open(dir_ / "hq.db", store::OpenMode::kReadWrite));
    return c->Exec(sql);
  }

  testing::TempDir dir_;
  testing::PostgresServer* server_ = nullptr;
  std::string url_;
};

}  // namespace optin::hq
