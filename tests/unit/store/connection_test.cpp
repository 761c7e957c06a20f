#include "store/connection.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>
#include <vector>

#include "tests/support/temp_dir.h"

namespace optin::store::connection_test {
namespace {

using optin::testing::TempDir;

std::string Describe(const Error& e) { return e.message; }

std::unique_ptr<Connection> OpenOrDie(const std::filesystem::path& file, OpenMode mode) {
  auto conn = Connection::Open(file, mode);
  if (!conn) {
    ADD_FAILURE() << "open failed: " << Describe(conn.error());
    return nullptr;
  }
  return std::move(*conn);
}

std::string PragmaText(Connection& c, std::string_view pragma) {
  auto stmt = c.Prepare(pragma);
  EXPECT_TRUE(stmt.has_value());
  if (!stmt) return {};
  auto row = stmt->Step();
  EXPECT_TRUE(row.has_value() && *row);
  return stmt->ColumnText(0);
}

TEST(ConnectionTest, PragmasAreSetOnOpen) {
  TempDir dir;
  auto rw = OpenOrDie(dir / "a.db", OpenMode::kReadWrite);
  ASSERT_NE(rw, nullptr);
  EXPECT_EQ(PragmaText(*rw, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(PragmaText(*rw, "PRAGMA synchronous"), "2");  // FULL
  EXPECT_EQ(PragmaText(*rw, "PRAGMA foreign_keys"), "1");
  EXPECT_EQ(PragmaText(*rw, "PRAGMA secure_delete"), "1");
  EXPECT_EQ(PragmaText(*rw, "PRAGMA busy_timeout"), "5000");
  EXPECT_EQ(PragmaText(*rw, "PRAGMA journal_size_limit"), std::to_string(64 << 20));
  EXPECT_EQ(PragmaText(*rw, "PRAGMA query_only"), "0");

  auto ro = OpenOrDie(dir / "a.db", OpenMode::kReadOnly);
  ASSERT_NE(ro, nullptr);
  EXPECT_EQ(PragmaText(*ro, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(PragmaText(*ro, "PRAGMA synchronous"), "2");
  EXPECT_EQ(PragmaText(*ro, "PRAGMA foreign_keys"), "1");
  EXPECT_EQ(PragmaText(*ro, "PRAGMA secure_delete"), "1");
  EXPECT_EQ(PragmaText(*ro, "PRAGMA query_only"), "1");
}

TEST(ConnectionTest, ReadOnlyConnectionRefusesWritesAsPermissionDenied) {
  TempDir dir;
  auto rw = OpenOrDie(dir / "a.db", OpenMode::kReadWrite);
  ASSERT_NE(rw, nullptr);
  ASSERT_TRUE(rw->Exec("CREATE TABLE t(x INTEGER)"));
  auto ro = OpenOrDie(dir / "a.db", OpenMode::kReadOnly);
  ASSERT_NE(ro, nullptr);
  auto r = ro->Execute("INSERT INTO t VALUES (?)", 1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kPermissionDenied) << Describe(r.error());
}

TEST(ConnectionTest, OpeningAMissingFileReadOnlyFails) {
  TempDir dir;
  auto ro = Connection::Open(dir / "missing.db", OpenMode::kReadOnly);
  ASSERT_FALSE(ro);
  EXPECT_EQ(ro.error().code, ErrorCode::kIo);
  EXPECT_NE(ro.error().message.find("cannot open database: "), std::string::npos);
}

TEST(ConnectionTest, ValuesRoundTripWithTheirTypes) {
  TempDir dir;
  auto c = OpenOrDie(dir / "a.db", OpenMode::kReadWrite);
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->Exec("CREATE TABLE t(i INTEGER, d REAL, s TEXT, b BLOB, n TEXT)"));
  const std::string bytes("\x00\x01\xff\x00z", 5);
  auto changed = c->Execute("INSERT INTO t VALUES (?, ?, ?, ?, ?)", int64_t{1} << 40, 2.5,
                            "h\xc3\xa9llo", Blob{bytes}, Null{});
  ASSERT_TRUE(changed) << Describe(changed.error());
  EXPECT_EQ(*changed, 1);
  EXPECT_EQ(c->LastInsertRowId(), 1);

  auto stmt = c->Prepare("SELECT i, d, s, b, n, typeof(b) FROM t");
  ASSERT_TRUE(stmt);
  auto row = stmt->Step();
  ASSERT_TRUE(row && *row);
  EXPECT_EQ(stmt->ColumnInt(0), int64_t{1} << 40);
  EXPECT_EQ(stmt->ColumnDouble(1), 2.5);
  EXPECT_EQ(stmt->ColumnText(2), "h\xc3\xa9llo");
  EXPECT_EQ(stmt->ColumnBlob(3), bytes);
  EXPECT_TRUE(stmt->ColumnIsNull(4));
  EXPECT_FALSE(stmt->ColumnIsNull(3));
  EXPECT_EQ(stmt->ColumnText(5), "blob");
  auto done = stmt->Step();
  ASSERT_TRUE(done);
  EXPECT_FALSE(*done);
}

TEST(ConnectionTest, EmptyBlobAndEmptyTextAreNotNull) {
  TempDir dir;
  auto c = OpenOrDie(dir / "a.db", OpenMode::kReadWrite);
  ASSERT_NE(c, nullptr);
  auto stmt = c->Prepare("SELECT typeof(?), typeof(?), typeof(?)");
  ASSERT_TRUE(stmt);
  stmt->BindAll(Blob{std::string_view()}, std::string_view(), std::optional<int64_t>());
  ASSERT_TRUE(stmt->Step().value_or(false));
  EXPECT_EQ(stmt->ColumnText(0), "blob");
  EXPECT_EQ(stmt->ColumnText(1), "text");
  EXPECT_EQ(stmt->ColumnText(2), "null");
}

TEST(ConnectionTest, StatementIsResetAndUnboundWhenReturned) {
  TempDir dir;
  auto c = OpenOrDie(dir / "a.db", OpenMode::kReadWrite);
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->Exec("CREATE TABLE t(x INTEGER); INSERT INTO t VALUES (1), (2), (3);"));
  {
    auto stmt = c->Prepare("SELECT x, ? FROM t ORDER BY x");
    ASSERT_TRUE(stmt);
    stmt->Bind(1, 42);
    ASSERT_TRUE(stmt->Step().value_or(false));
    ASSERT_TRUE(stmt->Step().value_or(false));
    EXPECT_EQ(stmt->ColumnInt(0), 2);
    EXPECT_EQ(stmt->ColumnInt(1), 42);
  }
  auto stmt = c->Prepare("SELECT x, ? FROM t ORDER BY x");
  ASSERT_TRUE(stmt);
  ASSERT_TRUE(stmt->Step().value_or(false));
  EXPECT_EQ(stmt->ColumnInt(0), 1);    // starts over
  EXPECT_TRUE(stmt->ColumnIsNull(1));  // binding cleared
}

TEST(ConnectionTest, CachedStatementIsReusedOnceReturned) {
  TempDir dir;
  auto c = OpenOrDie(dir / "a.db", OpenMode::kReadWrite);
  ASSERT_NE(c, nullptr);
  sqlite3* db = c->raw();
  for (int i = 0; i < 3; ++i) {
    auto stmt = c->Prepare("SELECT 1");
    ASSERT_TRUE(stmt);
  }
  int live = 0;
  for (sqlite3_stmt* s = sqlite3_next_stmt(db, nullptr); s; s = sqlite3_next_stmt(db, s)) {
    if (std::string_view(sqlite3_sql(s)) == "SELECT 1") ++live;
  }
  EXPECT_EQ(live, 1);
}

TEST(ConnectionTest, NestedUseOfSameStatementWorks) {
  TempDir dir;
  auto c = OpenOrDie(dir / "a.db", OpenMode::kReadWrite);
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->Exec("CREATE TABLE t(x INTEGER); INSERT INTO t VALUES (1), (2), (3);"));
  constexpr std::string_view kSql = "SELECT x FROM t WHERE x >= ? ORDER BY x";

  std::vector<std::pair<int64_t, int64_t>> pairs;
  auto outer = c->Prepare(kSql);
  ASSERT_TRUE(outer);
  outer->Bind(1, 1);
  for (;;) {
    auto row = outer->Step();
    ASSERT_TRUE(row);
    if (!*row) break;
    const int64_t x = outer->ColumnInt(0);
    auto inner = c->Prepare(kSql);  // the cached one is busy: a fresh one is handed out
    ASSERT_TRUE(inner);
    inner->Bind(1, x);
    for (;;) {
      auto inner_row = inner->Step();
      ASSERT_TRUE(inner_row);
      if (!*inner_row) break;
      pairs.emplace_back(x, inner->ColumnInt(0));
    }
  }
  const std::vector<std::pair<int64_t, int64_t>> expected = {{1, 1}, {1, 2}, {1, 3},
                                                             {2, 2}, {2, 3}, {3, 3}};
  EXPECT_EQ(pairs, expected);
}

TEST(ConnectionTest, ConstraintViolationIsAConflict) {
  TempDir dir;
  auto c = OpenOrDie(dir / "a.db", OpenMode::kReadWrite);
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->Exec("CREATE TABLE t(x INTEGER PRIMARY KEY)"));
  ASSERT_TRUE(c->Execute("INSERT INTO t VALUES (?)", 7));
  auto again = c->Execute("INSERT INTO t VALUES (?)", 7);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  EXPECT_EQ(again.error().message, "step: UNIQUE constraint failed: t.x");
}

TEST(ConnectionTest, ForeignKeysAreEnforced) {
  TempDir dir;
  auto c = OpenOrDie(dir / "a.db", OpenMode::kReadWrite);
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(
      c->Exec("CREATE TABLE p(id INTEGER PRIMARY KEY);"
              "CREATE TABLE k(p INTEGER REFERENCES p(id));"));
  auto r = c->Execute("INSERT INTO k VALUES (?)", 99);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kConflict);
}

TEST(ConnectionTest, PrepareRefusesMoreThanOneStatementAndBadSql) {
  TempDir dir;
  auto c = OpenOrDie(dir / "a.db", OpenMode::kReadWrite);
  ASSERT_NE(c, nullptr);
  EXPECT_FALSE(c->Prepare("SELECT 1; SELECT 2"));
  EXPECT_TRUE(c->Prepare("SELECT 1;  \n"));
  auto bad = c->Prepare("SELEKT 1");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kIo);
  EXPECT_EQ(bad.error().message.rfind("prepare: ", 0), 0u) << bad.error().message;
}

TEST(ConnectionTest, BindingOutOfRangeIsReportedByStep) {
  TempDir dir;
  auto c = OpenOrDie(dir / "a.db", OpenMode::kReadWrite);
  ASSERT_NE(c, nullptr);
  auto stmt = c->Prepare("SELECT ?");
  ASSERT_TRUE(stmt);
  stmt->Bind(2, 1);
  EXPECT_FALSE(stmt->Step());
}

TEST(SqliteErrorTest, CodesMapToErrorKinds) {
  struct Case {
    int rc;
    ErrorCode code;
  };
  const Case cases[] = {
      {SQLITE_FULL, ErrorCode::kResourceExhausted},
      {SQLITE_BUSY, ErrorCode::kUnavailable},
      {SQLITE_BUSY_SNAPSHOT, ErrorCode::kUnavailable},
      {SQLITE_LOCKED, ErrorCode::kUnavailable},
      {SQLITE_CONSTRAINT, ErrorCode::kConflict},
      {SQLITE_CONSTRAINT_UNIQUE, ErrorCode::kConflict},
      {SQLITE_CORRUPT, ErrorCode::kDataLoss},
      {SQLITE_NOTADB, ErrorCode::kDataLoss},
      {SQLITE_READONLY, ErrorCode::kPermissionDenied},
      {SQLITE_PERM, ErrorCode::kPermissionDenied},
      {SQLITE_AUTH, ErrorCode::kPermissionDenied},
      {SQLITE_IOERR, ErrorCode::kIo},
      {SQLITE_IOERR_FSYNC, ErrorCode::kIo},
      {SQLITE_CANTOPEN, ErrorCode::kIo},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(SqliteError(c.rc, nullptr, "x").code, c.code) << "rc " << c.rc;
  }
  Error full = SqliteError(SQLITE_FULL, nullptr, "commit");
  EXPECT_EQ(full.reason, "disk-full");
  EXPECT_EQ(SqliteError(SQLITE_IOERR_FSYNC, nullptr, "commit").reason, "storage-failed");
  EXPECT_EQ(full.message, std::string("commit: ") + sqlite3_errstr(SQLITE_FULL));
}

}  // namespace
}  // namespace optin::store::connection_test
