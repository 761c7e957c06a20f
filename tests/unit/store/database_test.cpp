#include "store/database.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <future>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/temp_dir.h"

namespace optin::store::database_test {
namespace {

using optin::testing::TempDir;

constexpr Migration kItems[] = {
    {1, "create items",
     "CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, data BLOB) STRICT"},
};

std::string Describe(const Status& s) { return s ? "ok" : s.error().message; }

DatabaseOptions WithMaxBatch(size_t n) {
  DatabaseOptions o;
  o.max_batch = n;
  return o;
}

DatabaseOptions WithMaxPendingWrites(size_t n) {
  DatabaseOptions o;
  o.max_pending_writes = n;
  return o;
}

std::unique_ptr<Database> OpenOrDie(const TempDir& dir, std::span<const Migration> migrations,
                                    DatabaseOptions options = {}) {
  options.file = dir / "a.db";
  auto db = Database::Open(std::move(options), migrations);
  if (!db) {
    ADD_FAILURE() << "open failed: " << db.error().message;
    return nullptr;
  }
  return std::move(*db);
}

Database::WriteJob InsertItem(std::string name) {
  return [name = std::move(name)](Connection& c) -> Status {
    OPTIN_TRY(c.Execute("INSERT INTO items(name) VALUES (?)", name));
    return Ok();
  };
}

Result<int64_t> QueryInt(Database& db, std::string sql) {
  return db.ReadSync<int64_t>([sql = std::move(sql)](Connection& c) -> Result<int64_t> {
    OPTIN_ASSIGN_OR_RETURN(Statement stmt, c.Prepare(sql));
    OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return Fail(ErrorCode::kNotFound, "no row");
    return stmt.ColumnInt(0);
  });
}

int64_t CountItems(Database& db, std::string_view name) {
  auto n = db.ReadSync<int64_t>([name = std::string(name)](Connection& c) -> Result<int64_t> {
    OPTIN_ASSIGN_OR_RETURN(Statement stmt, c.Prepare("SELECT count(*) FROM items WHERE name = ?"));
    stmt.Bind(1, name);
    OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
    (void)row;
    return stmt.ColumnInt(0);
  });
  EXPECT_TRUE(n) << n.error().message;
  return n.value_or(-1);
}

uintmax_t WalSize(const TempDir& dir) {
  std::error_code ec;
  auto size = std::filesystem::file_size(dir / "a.db-wal", ec);
  return ec ? 0 : size;
}

// Holds the writer thread inside a job until Release(), so that the test can queue writes
// behind it deterministically.
class WriterGate {
 public:
  explicit WriterGate(Database& db) {
    auto started = started_.get_future();
    db.Write(
        [this](Connection&) -> Status {
          started_.set_value();
          release_future_.wait();
          return Ok();
        },
        [this](Status s) { finished_.set_value(std::move(s)); });
    started.wait();
  }
  ~WriterGate() {
    if (!released_) Release();
    finished_future_.wait();
  }
  void Release() {
    released_ = true;
    release_.set_value();
  }

 private:
  std::promise<void> started_;
  std::promise<void> release_;
  std::shared_future<void> release_future_ = release_.get_future().share();
  std::promise<Status> finished_;
  std::future<Status> finished_future_ = finished_.get_future();
  bool released_ = false;
};

// Counts completions; Wait() returns once `expected` callbacks have run.
class Completions {
 public:
  explicit Completions(size_t expected) : expected_(expected) {}
  std::function<void(Status)> Callback(size_t i) {
    return [this, i](Status s) {
      std::lock_guard lock(mu_);
      results_.emplace_back(i, std::move(s));
      if (results_.size() == expected_) all_done_.set_value();
    };
  }
  // A deadline only to turn a lost completion into a failure instead of a hang.
  std::vector<std::pair<size_t, Status>> Wait() {
    if (all_done_future_.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
      ADD_FAILURE() << "not every write was completed";
    }
    std::lock_guard lock(mu_);
    return results_;
  }

 private:
  size_t expected_;
  std::mutex mu_;
  std::vector<std::pair<size_t, Status>> results_;
  std::promise<void> all_done_;
  std::future<void> all_done_future_ = all_done_.get_future();
};

std::string ReadWholeFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// ---------------------------------------------------------------------------------------------
// Migrations

constexpr Migration kLogV1 = {1, "create log", "CREATE TABLE log(step INTEGER NOT NULL)"};
constexpr Migration kLogV2 = {2, "first entry", "INSERT INTO log VALUES (2)"};
constexpr Migration kLogV3 = {3, "second entry", "INSERT INTO log VALUES (3)"};

std::string LogSteps(Database& db) {
  auto r = db.ReadSync<std::string>([](Connection& c) -> Result<std::string> {
    OPTIN_ASSIGN_OR_RETURN(Statement stmt, c.Prepare("SELECT step FROM log ORDER BY rowid"));
    std::string out;
    for (;;) {
      OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) return out;
      out += std::to_string(stmt.ColumnInt(0)) + ";";
    }
  });
  EXPECT_TRUE(r) << r.error().message;
  return r.value_or("?");
}

std::string RecordedMigrations(Database& db) {
  auto r = db.ReadSync<std::string>([](Connection& c) -> Result<std::string> {
    OPTIN_ASSIGN_OR_RETURN(
        Statement stmt,
        c.Prepare("SELECT version, name, applied_at > 0 FROM schema_migrations ORDER BY version"));
    std::string out;
    for (;;) {
      OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) return out;
      out += std::to_string(stmt.ColumnInt(0)) + ":" + stmt.ColumnText(1) + ":" +
             std::to_string(stmt.ColumnInt(2)) + ";";
    }
  });
  EXPECT_TRUE(r) << r.error().message;
  return r.value_or("?");
}

TEST(DatabaseTest, MigrationsApplyInOrderAndAreRecordedOnce) {
  TempDir dir;
  const Migration two[] = {kLogV1, kLogV2};
  {
    auto db = OpenOrDie(dir, two);
    ASSERT_NE(db, nullptr);
    EXPECT_EQ(LogSteps(*db), "2;");
    EXPECT_EQ(RecordedMigrations(*db), "1:create log:1;2:first entry:1;");
  }
  {
    auto db = OpenOrDie(dir, two);  // nothing new: nothing re-applied
    ASSERT_NE(db, nullptr);
    EXPECT_EQ(LogSteps(*db), "2;");
    EXPECT_EQ(RecordedMigrations(*db), "1:create log:1;2:first entry:1;");
  }
  const Migration three[] = {kLogV1, kLogV2, kLogV3};
  auto db = OpenOrDie(dir, three);  // only the new one
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(LogSteps(*db), "2;3;");
  EXPECT_EQ(RecordedMigrations(*db), "1:create log:1;2:first entry:1;3:second entry:1;");
}

TEST(DatabaseTest, NewerDatabaseVersionIsRefused) {
  TempDir dir;
  const Migration two[] = {kLogV1, kLogV2};
  ASSERT_NE(OpenOrDie(dir, two), nullptr);

  const Migration one[] = {kLogV1};
  auto db = Database::Open({.file = dir / "a.db"}, one);
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(db.error().message.find("schema version 2"), std::string::npos) << db.error().message;
  EXPECT_NE(db.error().message.find("up to version 1"), std::string::npos) << db.error().message;
}

TEST(DatabaseTest, NonIncreasingMigrationListIsRefused) {
  TempDir dir;
  const Migration reversed[] = {kLogV2, kLogV1};
  auto a = Database::Open({.file = dir / "a.db"}, reversed);
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code, ErrorCode::kFailedPrecondition);
  const Migration repeated[] = {kLogV1, kLogV1};
  auto b = Database::Open({.file = dir / "a.db"}, repeated);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, ErrorCode::kFailedPrecondition);
}

TEST(DatabaseTest, FailedMigrationLeavesNoTrace) {
  TempDir dir;
  const Migration broken[] = {
      kLogV1, {2, "broken", "CREATE TABLE half(x INTEGER); INSERT INTO nowhere VALUES (1)"}};
  auto failed = Database::Open({.file = dir / "a.db"}, broken);
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().message.find("migration 2 (broken)"), std::string::npos)
      << failed.error().message;

  const Migration one[] = {kLogV1};
  auto db = OpenOrDie(dir, one);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(RecordedMigrations(*db), "1:create log:1;");
  auto half = QueryInt(*db, "SELECT count(*) FROM sqlite_schema WHERE name = 'half'");
  ASSERT_TRUE(half);
  EXPECT_EQ(*half, 0);
}

// ---------------------------------------------------------------------------------------------
// Connections

TEST(DatabaseTest, PragmasAreSetOnOpen) {
  TempDir dir;
  auto db = OpenOrDie(dir, kItems);
  ASSERT_NE(db, nullptr);
  auto pragmas = [](Connection& c) -> Result<std::string> {
    std::string out;
    for (std::string_view p :
         {"journal_mode", "synchronous", "foreign_keys", "secure_delete", "query_only"}) {
      OPTIN_ASSIGN_OR_RETURN(Statement stmt, c.Prepare("PRAGMA " + std::string(p)));
      OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) return Fail(ErrorCode::kNotFound, std::string(p));
      out += std::string(p) + "=" + stmt.ColumnText(0) + ";";
    }
    return out;
  };
  auto writer = db->WriteSync<std::string>(pragmas);
  ASSERT_TRUE(writer) << writer.error().message;
  EXPECT_EQ(*writer, "journal_mode=wal;synchronous=2;foreign_keys=1;secure_delete=1;query_only=0;");
  auto reader = db->ReadSync<std::string>(pragmas);
  ASSERT_TRUE(reader) << reader.error().message;
  EXPECT_EQ(*reader, "journal_mode=wal;synchronous=2;foreign_keys=1;secure_delete=1;query_only=1;");
}

// ---------------------------------------------------------------------------------------------
// Writes

TEST(DatabaseTest, AcknowledgedWriteSurvivesReopen) {
  TempDir dir;
  {
    auto db = OpenOrDie(dir, kItems);
    ASSERT_NE(db, nullptr);
    std::promise<Status> acked;
    db->Write(InsertItem("kept"), [&](Status s) { acked.set_value(std::move(s)); });
    Status s = acked.get_future().get();
    ASSERT_TRUE(s) << Describe(s);
  }
  auto db = OpenOrDie(dir, kItems);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(CountItems(*db, "kept"), 1);
}

TEST(DatabaseTest, TypedWriteDeliversTheJobsValueAfterCommit) {
  TempDir dir;
  auto db = OpenOrDie(dir, kItems);
  ASSERT_NE(db, nullptr);
  auto id = db->WriteSync<int64_t>([](Connection& c) -> Result<int64_t> {
    OPTIN_TRY(c.Execute("INSERT INTO items(name) VALUES (?)", "typed"));
    return c.LastInsertRowId();
  });
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_EQ(*id, 1);
  EXPECT_EQ(CountItems(*db, "typed"), 1);
}

TEST(DatabaseTest, CompletionRunsOnlyOnceTheCommitIsVisibleToOtherConnections) {
  TempDir dir;
  auto db = OpenOrDie(dir, kItems);
  ASSERT_NE(db, nullptr);
  std::promise<int64_t> seen;
  db->Write(InsertItem("visible"), [&](Status s) {
    EXPECT_TRUE(s) << Describe(s);
    // An independent connection: it sees only committed data.
    auto other = Connection::Open(dir / "a.db", OpenMode::kReadOnly);
    int64_t n = -1;
    if (other) {
      auto stmt = (*other)->Prepare("SELECT count(*) FROM items WHERE name = 'visible'");
      if (stmt && stmt->Step().value_or(false)) n = stmt->ColumnInt(0);
    }
    seen.set_value(n);
  });
  EXPECT_EQ(seen.get_future().get(), 1);
}

constexpr Migration kParentChild[] = {
    {1, "parents and children",
     "CREATE TABLE parent(id INTEGER PRIMARY KEY);"
     "CREATE TABLE child(id INTEGER PRIMARY KEY,"
     " parent INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED);"},
};

TEST(DatabaseTest, FailedCommitFailsEveryJobInTheBatch) {
  TempDir dir;
  auto db = OpenOrDie(dir, kParentChild);
  ASSERT_NE(db, nullptr);
  Completions done(2);
  {
    WriterGate gate(*db);
    db->Write(
        [](Connection& c) -> Status {
          OPTIN_TRY(c.Execute("INSERT INTO parent(id) VALUES (?)", 1));
          return Ok();
        },
        done.Callback(0));
    db->Write(
        [](Connection& c) -> Status {
          // A deferred foreign key: the job succeeds, the COMMIT fails.
          OPTIN_TRY(c.Execute("INSERT INTO child(id, parent) VALUES (?, ?)", 1, 99));
          return Ok();
        },
        done.Callback(1));
  }
  for (auto& [i, s] : done.Wait()) {
    ASSERT_FALSE(s) << i;
    EXPECT_EQ(s.error().code, ErrorCode::kConflict) << Describe(s);
  }
  auto parents = QueryInt(*db, "SELECT count(*) FROM parent");
  ASSERT_TRUE(parents);
  EXPECT_EQ(*parents, 0);
  EXPECT_EQ(db->stats().transactions, 1u);  // only the gate's
  // The writer is healthy afterwards.
  Status s = db->WriteSync([](Connection& c) -> Status {
    OPTIN_TRY(c.Execute("INSERT INTO parent(id) VALUES (?)", 1));
    return Ok();
  });
  EXPECT_TRUE(s) << Describe(s);
}

TEST(DatabaseTest, FailingJobRollsBackOnlyItsOwnChanges) {
  TempDir dir;
  auto db = OpenOrDie(dir, kItems);
  ASSERT_NE(db, nullptr);
  Completions done(2);
  {
    WriterGate gate(*db);  // both jobs below land in one batch
    db->Write(InsertItem("good"), done.Callback(0));
    db->Write(
        [](Connection& c) -> Status {
          OPTIN_TRY(c.Execute("INSERT INTO items(name) VALUES (?)", "bad-first-half"));
          OPTIN_TRY(c.Execute("INSERT INTO items(name) VALUES (?)", "good"));  // UNIQUE fails
          return Ok();
        },
        done.Callback(1));
  }
  auto results = done.Wait();
  ASSERT_EQ(results.size(), 2u);
  for (auto& [i, s] : results) {
    if (i == 0) {
      EXPECT_TRUE(s) << Describe(s);
    } else {
      ASSERT_FALSE(s);
      EXPECT_EQ(s.error().code, ErrorCode::kConflict) << Describe(s);
    }
  }
  EXPECT_EQ(CountItems(*db, "good"), 1);
  EXPECT_EQ(CountItems(*db, "bad-first-half"), 0);
  EXPECT_EQ(db->stats().transactions, 2u);  // the gate's batch, then one for both jobs
  EXPECT_EQ(db->stats().writes, 2u);        // the gate and the good job
}

TEST(DatabaseTest, ConcurrentWritersShareOneCommit) {
  TempDir dir;
  auto db = OpenOrDie(dir, kItems);
  ASSERT_NE(db, nullptr);
  constexpr size_t kWriters = 50;
  Completions done(kWriters);
  {
    WriterGate gate(*db);
    std::vector<std::thread> writers;
    for (size_t i = 0; i < kWriters; ++i) {
      writers.emplace_back(
          [&, i] { db->Write(InsertItem("w" + std::to_string(i)), done.Callback(i)); });
    }
    for (auto& t : writers) t.join();  // every write is queued behind the gate
  }
  for (auto& [i, s] : done.Wait()) EXPECT_TRUE(s) << i << ": " << Describe(s);
  const DatabaseStats stats = db->stats();
  EXPECT_EQ(stats.writes, kWriters + 1);
  EXPECT_EQ(stats.transactions, 2u);
  auto rows = QueryInt(*db, "SELECT count(*) FROM items");
  ASSERT_TRUE(rows);
  EXPECT_EQ(*rows, static_cast<int64_t>(kWriters));
}

TEST(DatabaseTest, BatchesAreCappedAtMaxBatch) {
  TempDir dir;
  auto db = OpenOrDie(dir, kItems, WithMaxBatch(4));
  ASSERT_NE(db, nullptr);
  Completions done(10);
  {
    WriterGate gate(*db);
    for (size_t i = 0; i < 10; ++i)
      db->Write(InsertItem("w" + std::to_string(i)), done.Callback(i));
  }
  for (auto& [i, s] : done.Wait()) EXPECT_TRUE(s) << Describe(s);
  EXPECT_EQ(db->stats().transactions, 1u + 3u);  // the gate, then 4 + 4 + 2
}

TEST(DatabaseTest, WriteQueueFullFailsFast) {
  TempDir dir;
  auto db = OpenOrDie(dir, kItems, WithMaxPendingWrites(2));
  ASSERT_NE(db, nullptr);
  Completions queued(2);
  std::optional<Status> rejected;
  {
    WriterGate gate(*db);
    db->Write(InsertItem("a"), queued.Callback(0));
    db->Write(InsertItem("b"), queued.Callback(1));
    db->Write(InsertItem("c"), [&](Status s) { rejected = std::move(s); });
    ASSERT_TRUE(rejected.has_value()) << "done must run before Write returns";
    ASSERT_FALSE(*rejected);
    EXPECT_EQ(rejected->error().code, ErrorCode::kResourceExhausted);
    EXPECT_EQ(rejected->error().reason, "write-queue-full");
  }
  for (auto& [i, s] : queued.Wait()) EXPECT_TRUE(s) << Describe(s);
  EXPECT_EQ(CountItems(*db, "a"), 1);
  EXPECT_EQ(CountItems(*db, "b"), 1);
  EXPECT_EQ(CountItems(*db, "c"), 0);
}

TEST(DatabaseTest, StopDrainsQueuedWrites) {
  TempDir dir;
  auto db = OpenOrDie(dir, kItems);
  ASSERT_NE(db, nullptr);
  constexpr size_t kQueued = 20;
  Completions done(kQueued);
  std::thread stopper;
  {
    WriterGate gate(*db);
    for (size_t i = 0; i < kQueued; ++i) {
      db->Write(InsertItem("q" + std::to_string(i)), done.Callback(i));
    }
    stopper = std::thread([&] { db->Stop(); });
    // Wait (without sleeping) until Stop() has begun: new writes are then refused.
    for (;;) {
      auto refused = std::make_shared<std::atomic<bool>>(false);
      db->Write([](Connection&) -> Status { return Ok(); },
                [refused](Status s) {
                  if (!s && s.error().code == ErrorCode::kUnavailable) refused->store(true);
                });
      if (refused->load()) break;
      std::this_thread::yield();
    }
  }  // the gate opens only now, with Stop() already waiting
  stopper.join();
  auto results = done.Wait();
  ASSERT_EQ(results.size(), kQueued);
  for (auto& [i, s] : results) EXPECT_TRUE(s) << i << ": " << Describe(s);

  std::optional<Status> late;
  db->Write(InsertItem("late"), [&](Status s) { late = std::move(s); });
  ASSERT_TRUE(late.has_value());
  ASSERT_FALSE(*late);
  EXPECT_EQ(late->error().code, ErrorCode::kUnavailable);
  db->Stop();  // idempotent
  db.reset();

  auto reopened = OpenOrDie(dir, kItems);
  ASSERT_NE(reopened, nullptr);
  auto rows = QueryInt(*reopened, "SELECT count(*) FROM items");
  ASSERT_TRUE(rows);
  EXPECT_EQ(*rows, static_cast<int64_t>(kQueued));
}

TEST(DatabaseTest, ReadAfterStopDoesNotHang) {
  TempDir dir;
  auto db = OpenOrDie(dir, kItems);
  ASSERT_NE(db, nullptr);
  db->Stop();
  auto r = QueryInt(*db, "SELECT 1");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(db->CheckpointTruncate().error().code, ErrorCode::kUnavailable);
}

// ---------------------------------------------------------------------------------------------
// Reads

TEST(DatabaseTest, ReadSeesCommittedWrite) {
  TempDir dir;
  auto db = OpenOrDie(dir, kItems);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(CountItems(*db, "seen"), 0);
  Status s = db->WriteSync(InsertItem("seen"));
  ASSERT_TRUE(s) << Describe(s);
  EXPECT_EQ(CountItems(*db, "seen"), 1);
}

TEST(DatabaseTest, ReadersCannotWrite) {
  TempDir dir;
  auto db = OpenOrDie(dir, kItems);
  ASSERT_NE(db, nullptr);
  auto r = db->ReadSync<int64_t>([](Connection& c) -> Result<int64_t> {
    return c.Execute("INSERT INTO items(name) VALUES (?)", "sneaky");
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kPermissionDenied);
}

TEST(DatabaseTest, NestedUseOfSameStatementWorks) {
  TempDir dir;
  auto db = OpenOrDie(dir, kItems);
  ASSERT_NE(db, nullptr);
  for (std::string name : {"x", "y"}) ASSERT_TRUE(db->WriteSync(InsertItem(name)));
  auto pairs = db->ReadSync<std::string>([](Connection& c) -> Result<std::string> {
    constexpr std::string_view kSql = "SELECT name FROM items ORDER BY name";
    std::string out;
    OPTIN_ASSIGN_OR_RETURN(Statement outer, c.Prepare(kSql));
    for (int rows = 0; rows < 10; ++rows) {  // bounded: a shared statement would loop forever
      OPTIN_ASSIGN_OR_RETURN(bool row, outer.Step());
      if (!row) return out;
      OPTIN_ASSIGN_OR_RETURN(Statement inner, c.Prepare(kSql));
      for (;;) {
        OPTIN_ASSIGN_OR_RETURN(bool inner_row, inner.Step());
        if (!inner_row) break;
        out += outer.ColumnText(0) + inner.ColumnText(0) + ";";
      }
    }
    return Fail(ErrorCode::kInternal, "the outer statement never finished");
  });
  ASSERT_TRUE(pairs) << pairs.error().message;
  EXPECT_EQ(*pairs, "xx;xy;yx;yy;");
}

// ---------------------------------------------------------------------------------------------
// Checkpoints, erasure, disk full

TEST(DatabaseTest, CheckpointAfterTruncatesWal) {
  TempDir dir;
  auto db = OpenOrDie(dir, kItems);
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->WriteSync(InsertItem("plain")));
  EXPECT_GT(WalSize(dir), 0u);  // a plain commit stays in the WAL
  Status s = db->WriteSync(InsertItem("erasure"), {.checkpoint_after = true});
  ASSERT_TRUE(s) << Describe(s);
  EXPECT_TRUE(std::filesystem::exists(dir / "a.db-wal"));
  EXPECT_EQ(WalSize(dir), 0u);
  EXPECT_EQ(CountItems(*db, "erasure"), 1);
}

TEST(DatabaseTest, CheckpointTruncateEmptiesWal) {
  TempDir dir;
  auto db = OpenOrDie(dir, kItems);
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->WriteSync(InsertItem("plain")));
  ASSERT_GT(WalSize(dir), 0u);
  Status s = db->CheckpointTruncate();
  ASSERT_TRUE(s) << Describe(s);
  EXPECT_EQ(WalSize(dir), 0u);
  EXPECT_EQ(db->stats().transactions, 1u);  // the checkpoint is not a transaction
}

TEST(DatabaseTest, CheckpointBlockedByReaderReportsUnavailableButCommits) {
  TempDir dir;
  auto db = OpenOrDie(dir, kItems);
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(db->WriteSync(InsertItem("before")));
  std::promise<void> reading, release, reader_done;
  std::shared_future<void> released = release.get_future().share();
  db->Read([&](Connection& c) {
    {
      auto stmt = c.Prepare("SELECT name FROM items");
      EXPECT_TRUE(stmt && stmt->Step().value_or(false));  // holds a read transaction
      reading.set_value();
      released.wait();
    }
    reader_done.set_value();
  });
  reading.get_future().wait();

  Status s = db->WriteSync(InsertItem("after"), {.checkpoint_after = true});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(s.error().reason, "checkpoint-incomplete");
  release.set_value();
  reader_done.get_future().wait();

  EXPECT_EQ(CountItems(*db, "after"), 1);  // committed regardless
  Status again = db->CheckpointTruncate();
  ASSERT_TRUE(again) << Describe(again);
  EXPECT_EQ(WalSize(dir), 0u);
}

TEST(DatabaseTest, SecureDeleteLeavesNoBytesInFiles) {
  TempDir dir;
  auto db = OpenOrDie(dir, kItems);
  ASSERT_NE(db, nullptr);
  const std::string marker = "MARKER-7f3a9c-loyalty-4711-Sarah";
  auto files_containing_marker = [&] {
    std::string found;
    for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
      if (ReadWholeFile(entry.path()).find(marker) != std::string::npos) {
        found += entry.path().filename().string() + " ";
      }
    }
    return found;
  };
  for (int i = 0; i < 20; ++i) {  // neighbours on the same page, so the page survives
    ASSERT_TRUE(db->WriteSync(InsertItem("neighbour-" + std::to_string(i))));
  }
  Status s = db->WriteSync(
      [&](Connection& c) -> Status {
        OPTIN_TRY(c.Execute("INSERT INTO items(name, data) VALUES (?, ?)", marker,
                            Blob{"blob:" + marker}));
        return Ok();
      },
      {.checkpoint_after = true});
  ASSERT_TRUE(s) << Describe(s);
  ASSERT_EQ(files_containing_marker(), "a.db ");  // the check can see the marker

  s = db->WriteSync(
      [&](Connection& c) -> Status {
        OPTIN_ASSIGN_OR_RETURN(int64_t n, c.Execute("DELETE FROM items WHERE name = ?", marker));
        if (n != 1) return Fail(ErrorCode::kNotFound, "marker row missing");
        return Ok();
      },
      {.checkpoint_after = true});
  ASSERT_TRUE(s) << Describe(s);
  EXPECT_EQ(files_containing_marker(), "");
  EXPECT_EQ(CountItems(*db, "neighbour-3"), 1);
}

TEST(DatabaseTest, DiskFullIsReportedAsResourceExhausted) {
  TempDir dir;
  auto db = OpenOrDie(dir, kItems);
  ASSERT_NE(db, nullptr);
  auto set_max_pages = [&](int64_t pages) {
    return db->WriteSync([pages](Connection& c) -> Status {
      // The limit never drops below the current size: "1" means "no growth".
      return c.Exec("PRAGMA max_page_count=" + std::to_string(pages));
    });
  };
  const std::string big(256 * 1024, 'z');
  auto write_big = [&](Connection& c) -> Status {
    OPTIN_TRY(c.Execute("INSERT INTO items(name) VALUES (?)", "small-part"));
    OPTIN_TRY(c.Execute("INSERT INTO items(name, data) VALUES (?, ?)", "big-part", Blob{big}));
    return Ok();
  };

  ASSERT_TRUE(set_max_pages(1));
  Status s = db->WriteSync(write_big);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kResourceExhausted) << Describe(s);
  EXPECT_EQ(s.error().reason, "disk-full");
  EXPECT_EQ(CountItems(*db, "small-part"), 0);  // nothing half-written
  EXPECT_EQ(CountItems(*db, "big-part"), 0);

  ASSERT_TRUE(set_max_pages(1'000'000));
  s = db->WriteSync(write_big);
  ASSERT_TRUE(s) << Describe(s);
  EXPECT_EQ(CountItems(*db, "small-part"), 1);
  EXPECT_EQ(CountItems(*db, "big-part"), 1);
}

TEST(DatabaseTest, DiskFullRetriesTheWholeBatchOnceAfterACheckpoint) {
  TempDir dir;
  auto db = OpenOrDie(dir, kItems);
  ASSERT_NE(db, nullptr);
  std::atomic<int> neighbour_runs = 0, flaky_runs = 0, hopeless_runs = 0;
  auto disk_full = [] { return Fail(ErrorCode::kResourceExhausted, "full", {}, "disk-full"); };
  Completions done(3);
  {
    WriterGate gate(*db);  // all three jobs in one batch
    db->Write(
        [&](Connection& c) -> Status {
          ++neighbour_runs;
          OPTIN_TRY(c.Execute("INSERT INTO items(name) VALUES (?)", "neighbour"));
          return Ok();
        },
        done.Callback(0));
    db->Write(
        [&](Connection& c) -> Status {
          OPTIN_TRY(c.Execute("INSERT INTO items(name) VALUES (?)", "flaky"));
          if (++flaky_runs == 1) return disk_full();  // only the first time
          return Ok();
        },
        done.Callback(1));
    db->Write(
        [&](Connection& c) -> Status {
          ++hopeless_runs;
          OPTIN_TRY(c.Execute("INSERT INTO items(name) VALUES (?)", "hopeless"));
          return disk_full();
        },
        done.Callback(2));
  }
  for (auto& [i, s] : done.Wait()) {
    if (i == 2) {
      ASSERT_FALSE(s);
      EXPECT_EQ(s.error().reason, "disk-full");
    } else {
      EXPECT_TRUE(s) << i << ": " << Describe(s);
    }
  }
  EXPECT_EQ(neighbour_runs, 2);  // the first attempt was rolled back as a whole, then re-run
  EXPECT_EQ(flaky_runs, 2);
  EXPECT_EQ(hopeless_runs, 1);  // the first attempt stopped at "flaky"; the retry is final
  EXPECT_EQ(CountItems(*db, "neighbour"), 1);
  EXPECT_EQ(CountItems(*db, "flaky"), 1);
  EXPECT_EQ(CountItems(*db, "hopeless"), 0);

  // A job that keeps failing is tried exactly twice, then refused.
  int runs = 0;
  Status s = db->WriteSync([&](Connection&) -> Status {
    ++runs;
    return disk_full();
  });
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(runs, 2);
}

}  // namespace
}  // namespace optin::store::database_test

// ---------------------------------------------------------------------------------------------
// After-commit work (events for live consoles)

namespace optin::store::database_test {
namespace {

TEST(DatabaseAfterCommitTest, AfterCommitRunsOnlyForJobsThatCommitted) {
  TempDir dir;
  auto db = OpenOrDie(dir, kItems);
  ASSERT_NE(db, nullptr);
  std::mutex mu;
  std::vector<std::string> fired;
  auto record = [&](std::string what) {
    return [&, what] {
      std::lock_guard lock(mu);
      fired.push_back(what);
    };
  };
  Completions done(2);
  {
    WriterGate gate(*db);  // both jobs land in one batch
    db->Write(
        [&](Connection& c) -> Status {
          c.AfterCommit(record("good"));
          OPTIN_TRY(c.Execute("INSERT INTO items(name) VALUES (?)", "x"));
          return Ok();
        },
        done.Callback(0));
    db->Write(
        [&](Connection& c) -> Status {
          c.AfterCommit(record("failed-job"));
          OPTIN_TRY(c.Execute("INSERT INTO items(name) VALUES (?)", "x"));  // UNIQUE fails
          return Ok();
        },
        done.Callback(1));
  }
  done.Wait();
  std::lock_guard lock(mu);
  EXPECT_EQ(fired, std::vector<std::string>{"good"});
}

TEST(DatabaseAfterCommitTest, AfterCommitRunsBeforeTheCallerHearsBack) {
  TempDir dir;
  auto db = OpenOrDie(dir, kItems);
  ASSERT_NE(db, nullptr);
  std::atomic<bool> fired{false};
  bool fired_before_done = false;
  Status s = db->WriteSync([&](Connection& c) -> Status {
    c.AfterCommit([&] { fired = true; });
    return Ok();
  });
  fired_before_done = fired.load();
  EXPECT_TRUE(s) << Describe(s);
  EXPECT_TRUE(fired_before_done);
}

TEST(DatabaseAfterCommitTest, AfterCommitIsDroppedWhenTheBatchFailsToCommit) {
  TempDir dir;
  auto db = OpenOrDie(dir, kItems);
  ASSERT_NE(db, nullptr);
  std::atomic<int> fired{0};
  // A deferred foreign-key violation makes COMMIT itself fail.
  ASSERT_TRUE(db->WriteSync([](Connection& c) -> Status {
    return c.Exec(
        "CREATE TABLE parent(id INTEGER PRIMARY KEY); CREATE TABLE child(p INTEGER "
        "REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)");
  }));
  Status s = db->WriteSync([&](Connection& c) -> Status {
    c.AfterCommit([&] { ++fired; });
    OPTIN_TRY(c.Execute("INSERT INTO child(p) VALUES (42)"));
    return Ok();
  });
  EXPECT_FALSE(s);
  EXPECT_EQ(fired.load(), 0);
}

}  // namespace
}  // namespace optin::store::database_test
