// PostgreSQL-only behaviour of the HQ store: a server killed and restarted under ingest, a
// server that is not there, deferred statements sent in one pipeline, the one place libpq errors
// become Error values, and the --db value.
#include <gtest/gtest.h>

#include "tests/support/postgres_server.h"
#include "tests/support/temp_dir.h"
#include "tools/optin-hq/hq_store.h"
#include "tools/optin-hq/pg_connection.h"
#include "tools/optin-hq/postgres_hq_store.h"
#include "tools/optin-hq/utc_day.h"

namespace optin::hq::postgres_hq_store_test {
namespace {

using testing::PostgresEnvironment;
using testing::PostgresServer;

PostgresEnvironment* const pg = PostgresEnvironment::Register();

BatchRecord Batch(const std::string& store, int64_t day, int64_t app) {
  BatchRecord b;
  b.store_id = store;
  b.batch_id = store + "/" + std::to_string(day);
  b.periods = {BatchPeriod{UtcDayStart(day), UtcDayStart(day + 1)}};
  b.received_at = UtcDayStart(day + 1);
  b.signed_batch = "jws-" + b.batch_id;
  b.cells = {CellRecord{"checkins", "app", day, app, 4.0},
             CellRecord{"checkins", "web", day, 1, 4.0}};
  return b;
}

class PostgresHqStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!pg->skip_reason().empty()) GTEST_SKIP() << pg->skip_reason();
    server_ = pg->Server();
    ASSERT_NE(server_, nullptr) << pg->error();
    auto url = server_->CreateDatabase();
    ASSERT_TRUE(url) << url.error().message;
    url_ = *url;
  }
  void TearDown() override {
    // A test that stopped the shared server leaves it running for the next.
    if (server_ && !server_->running()) {
      auto s = server_->Restart();
      EXPECT_TRUE(s) << s.error().message;
    }
  }

  PostgresServer* server_ = nullptr;
  std::string url_;
};

TEST_F(PostgresHqStoreTest, ServerKilledAndRestartedBetweenTwoIngestsLosesAndDoublesNothing) {
  auto store = PostgresHqStore::Open(url_);
  ASSERT_TRUE(store) << store.error().message;
  const BatchRecord a = Batch("s1", 20500, 10), b = Batch("s1", 20501, 20);
  ASSERT_EQ((*store)->StoreBatch(a).value(), IngestOutcome::kStored);

  // A crash (SIGKILL, no checkpoint): the upload in between fails as unavailable, for the box
  // to retry, and writes nothing.
  ASSERT_TRUE(server_->Kill());
  auto during = (*store)->StoreBatch(b);
  ASSERT_FALSE(during);
  EXPECT_EQ(during.error().code, ErrorCode::kUnavailable) << during.error().message;

  // After crash recovery the same store object reconnects by itself.
  auto restarted = server_->Restart();
  ASSERT_TRUE(restarted) << restarted.error().message;
  auto retried = (*store)->StoreBatch(b);
  ASSERT_TRUE(retried) << retried.error().message;
  EXPECT_EQ(*retried, IngestOutcome::kStored);
  // The box also retries the batch acknowledged before the crash: a duplicate, not a double.
  EXPECT_EQ((*store)->StoreBatch(a).value(), IngestOutcome::kDuplicate);

  auto list = (*store)->ListBatches("s1");
  ASSERT_TRUE(list) << list.error().message;
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].batch_id, a.batch_id);
  EXPECT_EQ((*list)[1].batch_id, b.batch_id);
  auto rows =
      (*store)
          ->SumByDay(FiguresQuery{"checkins", "app", 20500, 20501, std::nullopt, std::nullopt})
          .value();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].value_sum, 10);
  EXPECT_EQ(rows[1].value_sum, 20);
  EXPECT_EQ(rows[0].cells + rows[1].cells, 2);
  // A new process (HQ restarted too) sees the same: the schema is not applied again.
  auto reopened = PostgresHqStore::Open(url_);
  ASSERT_TRUE(reopened) << reopened.error().message;
  EXPECT_EQ((*reopened)->ListBatches("s1").value().size(), 2u);
  EXPECT_EQ((*reopened)->AppliedMigrations().value().size(), HqSchema().size());
}

TEST_F(PostgresHqStoreTest, AServerThatIsNotThereIsUnavailable) {
  ASSERT_TRUE(server_->Stop());
  auto store = PostgresHqStore::Open(url_);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, ErrorCode::kUnavailable) << store.error().message;
}

// Deferred statements (PgConnection::Defer) travel with the next query in one pipeline.
TEST_F(PostgresHqStoreTest, DeferredStatementsRunInOrderWithTheNextQuery) {
  auto c = PgConnection::Connect(url_);
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_TRUE((*c)->Exec("CREATE TABLE t (k integer PRIMARY KEY, v text)"));
  (*c)->Defer("BEGIN");
  for (int k = 1; k <= 3; ++k) {
    (*c)->Defer("INSERT INTO t (k, v) VALUES ($1, $2)",
                PgParams().Add(k).Add("v" + std::to_string(k)));
  }
  (*c)->Defer("UPDATE t SET v = v || '!' WHERE k = $1", PgParams().Add(2));
  auto rows = (*c)->Query("SELECT string_agg(v, ',' ORDER BY k) FROM t");
  ASSERT_TRUE(rows) << rows.error().message;
  EXPECT_EQ(rows->Text(0, 0), "v1,v2!,v3");
  EXPECT_TRUE((*c)->in_transaction());
  (*c)->Defer("INSERT INTO t (k, v) VALUES ($1, $2)", PgParams().Add(4).Add("v4"));
  ASSERT_TRUE((*c)->Query("COMMIT"));
  EXPECT_FALSE((*c)->in_transaction());
  auto count = (*c)->Query("SELECT count(*) FROM t");
  ASSERT_TRUE(count) << count.error().message;
  EXPECT_EQ(count->Int(0, 0), 4);
}

TEST_F(PostgresHqStoreTest, ADeferredStatementsErrorIsTheQuerysAndWhatFollowedItDidNotRun) {
  auto c = PgConnection::Connect(url_);
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_TRUE((*c)->Exec("CREATE TABLE t (k integer PRIMARY KEY)"));
  ASSERT_TRUE((*c)->Exec("INSERT INTO t VALUES (1)"));
  const std::string insert = "INSERT INTO t (k) VALUES ($1)";
  (*c)->Defer("BEGIN");
  (*c)->Defer(insert, PgParams().Add(2));
  (*c)->Defer(insert, PgParams().Add(1));                                        // a duplicate key
  (*c)->Defer("INSERT INTO t (k) SELECT $1::integer + 100", PgParams().Add(3));  // never runs
  auto failed = (*c)->Query("SELECT count(*) FROM t");
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::kConflict) << failed.error().message;
  EXPECT_FALSE((*c)->broken());
  EXPECT_TRUE((*c)->in_transaction());
  ASSERT_TRUE((*c)->Exec("ROLLBACK"));
  // The statement whose prepare was aborted is prepared again; the others are reused.
  (*c)->Defer(insert, PgParams().Add(5));
  ASSERT_TRUE((*c)->Flush());  // one statement, sent on its own
  (*c)->Defer("INSERT INTO t (k) SELECT $1::integer + 100", PgParams().Add(3));
  (*c)->Defer(insert, PgParams().Add(6));
  auto rows = (*c)->Query("SELECT string_agg(k::text, ',' ORDER BY k) FROM t");
  ASSERT_TRUE(rows) << rows.error().message;
  EXPECT_EQ(rows->Text(0, 0), "1,5,6,103");
}

TEST_F(PostgresHqStoreTest, AStatementThatCouldNotBePreparedInAPipelineIsPreparedAgainLater) {
  auto c = PgConnection::Connect(url_);
  ASSERT_TRUE(c) << c.error().message;
  const std::string insert = "INSERT INTO later (k) VALUES ($1)";
  (*c)->Defer("SELECT 1");
  (*c)->Defer(insert, PgParams().Add(1));  // no such table yet
  auto failed = (*c)->Query("SELECT 2");
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().message.find("later"), std::string::npos) << failed.error().message;
  ASSERT_TRUE((*c)->Exec("CREATE TABLE later (k integer)"));
  (*c)->Defer(insert, PgParams().Add(7));
  auto rows = (*c)->Query("SELECT sum(k) FROM later");
  ASSERT_TRUE(rows) << rows.error().message;
  EXPECT_EQ(rows->Int(0, 0), 7);
}

TEST_F(PostgresHqStoreTest, DroppedDeferredStatementsAreNeverSent) {
  auto c = PgConnection::Connect(url_);
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_TRUE((*c)->Exec("CREATE TABLE t (k integer)"));
  (*c)->Defer("INSERT INTO t VALUES (1)");
  (*c)->DropDeferred();
  auto rows = (*c)->Query("SELECT count(*) FROM t");
  ASSERT_TRUE(rows) << rows.error().message;
  EXPECT_EQ(rows->Int(0, 0), 0);
}

TEST_F(PostgresHqStoreTest, DeferredStatementsToAStoppedServerFailAsUnavailable) {
  auto c = PgConnection::Connect(url_);
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_TRUE((*c)->Exec("CREATE TABLE t (k integer)"));
  ASSERT_TRUE(server_->Stop());
  (*c)->Defer("BEGIN");
  (*c)->Defer("INSERT INTO t VALUES (1)");
  auto failed = (*c)->Query("COMMIT");
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::kUnavailable) << failed.error().message;
  EXPECT_TRUE((*c)->broken());
  ASSERT_TRUE(server_->Restart());
  ASSERT_TRUE((*c)->Reset());
  auto rows = (*c)->Query("SELECT count(*) FROM t");
  ASSERT_TRUE(rows) << rows.error().message;
  EXPECT_EQ(rows->Int(0, 0), 0);
}

TEST(PgErrorTest, SqlStatesBecomeErrorCodesInOnePlace) {
  EXPECT_EQ(PgErrorFromState("23505", "duplicate key", false, "q").code, ErrorCode::kConflict);
  EXPECT_EQ(PgErrorFromState("08006", "connection failure", true, "q").code,
            ErrorCode::kUnavailable);
  EXPECT_EQ(
      PgErrorFromState("57P01", "terminating connection due to administrator command", false, "q")
          .code,
      ErrorCode::kUnavailable);
  EXPECT_EQ(PgErrorFromState("40001", "could not serialize", false, "q").code,
            ErrorCode::kUnavailable);
  EXPECT_EQ(PgErrorFromState("53100", "disk full", false, "q").code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(PgErrorFromState("22021", "invalid byte sequence", false, "q").code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(PgErrorFromState("28P01", "password authentication failed", false, "q").code,
            ErrorCode::kUnauthenticated);
  EXPECT_EQ(PgErrorFromState("XX001", "data corrupted", false, "q").code, ErrorCode::kDataLoss);
  EXPECT_EQ(PgErrorFromState("", "server closed the connection", true, "q").code,
            ErrorCode::kUnavailable);
  const Error e = PgErrorFromState("42P01", "relation does not exist", false, "query");
  EXPECT_EQ(e.code, ErrorCode::kIo);
  EXPECT_EQ(e.reason, "pg-42P01");
  EXPECT_EQ(e.message, "postgresql query: relation does not exist");
}

TEST(OpenHqStoreTest, TheDbValueNamesSqliteOrPostgresql) {
  testing::TempDir dir;
  auto sqlite = OpenHqStore("sqlite:" + (dir / "hq.db").string());
  ASSERT_TRUE(sqlite) << sqlite.error().message;
  EXPECT_EQ((*sqlite)->engine(), "sqlite");
  for (std::string_view bad : {"mysql://hq", "sqlite:", "hq.db"}) {
    auto store = OpenHqStore(bad);
    ASSERT_FALSE(store) << bad;
    EXPECT_EQ(store.error().code, ErrorCode::kInvalidArgument) << bad;
    EXPECT_EQ(store.error().field, "db") << bad;
  }
}

TEST_F(PostgresHqStoreTest, ThePostgresqlDbValueOpensThePostgresqlEngine) {
  auto store = OpenHqStore(url_);
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_EQ((*store)->engine(), "postgresql");
  EXPECT_EQ((*store)->AppliedMigrations().value().size(), HqSchema().size());
}

}  // namespace
}  // namespace optin::hq::postgres_hq_store_test
