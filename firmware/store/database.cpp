#include "store/database.h"

#include <sqlite3.h>

#include <algorithm>
#include <set>
#include <string>
#include <system_error>
#include <utility>

namespace optin::store {
namespace {

// A checkpoint that readers block is retried this many times, each waiting at most
// kCheckpointBusyTimeoutMs for them, with a short pause in between.
constexpr int kCheckpointAttempts = 5;
constexpr int kCheckpointBusyTimeoutMs = 200;
constexpr auto kCheckpointPause = std::chrono::milliseconds(20);

Status RunSql(Connection& conn, std::string_view sql) {
  OPTIN_ASSIGN_OR_RETURN(Statement stmt, conn.Prepare(sql));
  return stmt.Run();
}

bool IsDiskFull(const Error& e) {
  return e.code == ErrorCode::kResourceExhausted && e.reason == "disk-full";
}

bool InTransaction(Connection& conn) { return sqlite3_get_autocommit(conn.raw()) == 0; }

// Rolls back whatever transaction is open (SQLite may already have rolled it back itself).
void RollbackIfOpen(Connection& conn) {
  if (InTransaction(conn)) (void)conn.Exec("ROLLBACK");
}

Status ApplyMigration(Connection& conn, const Migration& m) {
  const std::string what =
      "migration " + std::to_string(m.version) + " (" + std::string(m.name) + ")";
  auto fail = [&](const Error& e) -> Status {
    RollbackIfOpen(conn);
    return Fail(e.code, what + " failed: " + e.message, {}, e.reason);
  };
  if (auto s = conn.Exec("BEGIN IMMEDIATE"); !s) return fail(s.error());
  if (auto s = conn.Exec(m.sql); !s) return fail(s.error());
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  auto recorded =
      conn.Execute("INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)",
                   static_cast<int64_t>(m.version), m.name, now);
  if (!recorded) return fail(recorded.error());
  if (auto s = conn.Exec("COMMIT"); !s) return fail(s.error());
  return Ok();
}

Status Migrate(Connection& conn, std::span<const Migration> migrations) {
  for (size_t i = 0; i < migrations.size(); ++i) {
    if (migrations[i].version < 1 ||
        (i > 0 && migrations[i].version <= migrations[i - 1].version)) {
      return Fail(ErrorCode::kFailedPrecondition,
                  "schema migrations must have strictly increasing versions starting at 1 "
                  "(found version " +
                      std::to_string(migrations[i].version) + " at position " + std::to_string(i) +
                      ")");
    }
  }
  OPTIN_TRY(conn.Exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations("
      "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT"));

  std::set<int64_t> recorded;
  int64_t max_recorded = 0;
  {
    OPTIN_ASSIGN_OR_RETURN(Statement stmt, conn.Prepare("SELECT version FROM schema_migrations"));
    for (;;) {
      OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      recorded.insert(stmt.ColumnInt(0));
      max_recorded = std::max(max_recorded, stmt.ColumnInt(0));
    }
  }
  const int64_t highest_known = migrations.empty() ? 0 : migrations.back().version;
  if (max_recorded > highest_known) {
    return Fail(ErrorCode::kFailedPrecondition,
                "the database has schema version " + std::to_string(max_recorded) +
                    " but this build knows only up to version " + std::to_string(highest_known) +
                    "; it was written by a newer release and will not be opened (no downgrades)",
                {}, "schema-too-new");
  }
  for (const Migration& m : migrations) {
    if (recorded.contains(m.version)) continue;
    OPTIN_TRY(ApplyMigration(conn, m));
  }
  return Ok();
}

}  // namespace

Database::Database(DatabaseOptions options) : options_(std::move(options)) {}

Database::~Database() { Stop(); }

Result<std::unique_ptr<Database>> Database::Open(DatabaseOptions options,
                                                 std::span<const Migration> migrations) {
  if (options.readers == 0) {
    return Fail(ErrorCode::kInvalidArgument, "the database needs at least one reader");
  }
  if (options.max_batch == 0) options.max_batch = 1;

  if (options.fs == nullptr) options.fs = &platform::FileSystem::Default();
  std::unique_ptr<Database> db(new Database(std::move(options)));
  const auto& file = db->options_.file;
  OPTIN_ASSIGN_OR_RETURN(db->vfs_, DoorVfs::Register(*db->options_.fs));
  const std::string& vfs = db->vfs_->name();
  OPTIN_ASSIGN_OR_RETURN(db->writer_conn_, Connection::Open(file, OpenMode::kReadWrite, vfs));
  OPTIN_TRY(db->writer_conn_->Exec("PRAGMA journal_size_limit=" +
                                   std::to_string(db->options_.wal_size_limit_bytes)));
  OPTIN_TRY(Migrate(*db->writer_conn_, migrations));

  std::vector<std::unique_ptr<Connection>> reader_conns;
  for (size_t i = 0; i < db->options_.readers; ++i) {
    OPTIN_ASSIGN_OR_RETURN(auto conn, Connection::Open(file, OpenMode::kReadOnly, vfs));
    reader_conns.push_back(std::move(conn));
  }

  Database* self = db.get();
  db->writer_ = std::thread([self] { self->WriterLoop(); });
  for (auto& conn : reader_conns) {
    db->readers_.emplace_back(
        [self, c = std::move(conn)]() mutable { self->ReaderLoop(std::move(c)); });
  }
  return db;
}

// ---------------------------------------------------------------------------------------------
// Submitting work

// Queues `write` (moving from it) or leaves it untouched and says why not.
Status Database::Enqueue(PendingWrite& write) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      return Fail(ErrorCode::kUnavailable, "the database is stopping", {}, "database-stopping");
    }
    if (writes_.size() >= options_.max_pending_writes) {
      return Fail(ErrorCode::kResourceExhausted, "too many writes are waiting", {},
                  "write-queue-full");
    }
    writes_.push_back(std::move(write));
  }
  write_cv_.notify_one();
  return Ok();
}

void Database::Write(WriteJob job, std::function<void(Status)> done, WriteOptions options) {
  PendingWrite write{std::move(job), std::move(done), options};
  Status queued = Enqueue(write);
  if (!queued) write.done(std::move(queued));  // at once, no lock held
}

Status Database::WriteSync(WriteJob job, WriteOptions options) {
  std::promise<Status> p;
  auto f = p.get_future();
  Write(
      std::move(job), [&p](Status s) { p.set_value(std::move(s)); }, options);
  return f.get();
}

Status Database::CheckpointTruncate() {
  std::promise<Status> p;
  auto f = p.get_future();
  PendingWrite w;
  w.done = [&p](Status s) { p.set_value(std::move(s)); };
  w.checkpoint_only = true;
  if (Status queued = Enqueue(w); !queued) return queued;
  return f.get();
}

Status Database::TryRead(ReadJob job) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      return Fail(ErrorCode::kUnavailable, "the database is stopping", {}, "database-stopping");
    }
    if (reads_.size() >= options_.max_pending_reads) {
      return Fail(ErrorCode::kResourceExhausted, "too many reads are waiting", {},
                  "read-queue-full");
    }
    reads_.push_back(std::move(job));
  }
  read_cv_.notify_one();
  return Ok();
}

void Database::Read(ReadJob job) { (void)TryRead(std::move(job)); }

void Database::Stop() {
  std::lock_guard stop_lock(stop_mu_);
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  write_cv_.notify_all();
  read_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  for (auto& t : readers_) {
    if (t.joinable()) t.join();
  }
  readers_.clear();
  // The writer closes last, so SQLite checkpoints and removes the WAL.
  writer_conn_.reset();
}

DatabaseStats Database::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

// ---------------------------------------------------------------------------------------------
// Threads

void Database::ReaderLoop(std::unique_ptr<Connection> conn) {
  for (;;) {
    ReadJob job;
    {
      std::unique_lock lock(mu_);
      read_cv_.wait(lock, [this] { return stopping_ || !reads_.empty(); });
      if (reads_.empty()) return;  // stopping, and every queued read has run
      job = std::move(reads_.front());
      reads_.pop_front();
    }
    job(*conn);
    conn->DropAfterCommit(0);  // reads commit nothing
  }
}

void Database::WriterLoop() {
  for (;;) {
    std::vector<PendingWrite> batch;
    {
      std::unique_lock lock(mu_);
      write_cv_.wait(lock, [this] { return stopping_ || !writes_.empty(); });
      if (writes_.empty()) return;  // stopping, and every queued write is completed
      if (writes_.front().checkpoint_only) {
        batch.push_back(std::move(writes_.front()));
        writes_.pop_front();
      } else {
        while (!writes_.empty() && batch.size() < options_.max_batch &&
               !writes_.front().checkpoint_only) {
          batch.push_back(std::move(writes_.front()));
          writes_.pop_front();
        }
      }
    }
    if (batch.front().checkpoint_only) {
      batch.front().done(CheckpointUntilTruncated());
      continue;
    }
    RunBatch(batch);
  }
}

Status Database::AttemptBatch(std::vector<PendingWrite>& batch, std::vector<Status>& results,
                              bool final_attempt) {
  Connection& conn = *writer_conn_;
  auto abort = [&](Error e) -> Status {
    RollbackIfOpen(conn);
    conn.DropAfterCommit(0);
    return std::unexpected(std::move(e));
  };
  if (Status s = RunSql(conn, "BEGIN IMMEDIATE"); !s) return abort(s.error());
  for (size_t i = 0; i < batch.size(); ++i) {
    if (Status s = RunSql(conn, "SAVEPOINT optin_job"); !s) return abort(s.error());
    const size_t after_commit_mark = conn.PendingAfterCommit();
    Status job_status = batch[i].job(conn);
    if (!InTransaction(conn)) {
      // SQLite rolled the whole transaction back (e.g. on SQLITE_FULL), or the job ended it:
      // the earlier jobs' changes are gone too, so the batch as a whole failed.
      if (!job_status) return abort(job_status.error());
      return abort(
          Error{ErrorCode::kInternal, "a write job ended the batch's transaction", {}, {}});
    }
    if (!job_status && !final_attempt && IsDiskFull(job_status.error())) {
      return abort(job_status.error());  // checkpoint and retry the whole batch
    }
    if (!job_status) {
      if (Status s = RunSql(conn, "ROLLBACK TO optin_job"); !s) return abort(s.error());
      conn.DropAfterCommit(after_commit_mark);
    }
    if (Status s = RunSql(conn, "RELEASE optin_job"); !s) return abort(s.error());
    results[i] = std::move(job_status);
  }
  if (Status s = RunSql(conn, "COMMIT"); !s) return abort(s.error());
  return Ok();
}

void Database::RunBatch(std::vector<PendingWrite>& batch) {
  std::vector<Status> results(batch.size());
  Status committed = AttemptBatch(batch, results, /*final_attempt=*/false);
  if (!committed && IsDiskFull(committed.error())) {
    // Field notes: a starved WAL can fill the disk; truncate it and try once more.
    (void)RunSql(*writer_conn_, "PRAGMA wal_checkpoint(TRUNCATE)");
    std::fill(results.begin(), results.end(), Status{});
    committed = AttemptBatch(batch, results, /*final_attempt=*/true);
  }

  // Work that waits for durability (events to live consoles) runs now, before the callers
  // hear back; nothing of a failed batch or job is here.
  for (auto& fn : writer_conn_->TakeAfterCommit()) fn();

  uint64_t succeeded = 0;
  bool checkpoint_wanted = false;
  if (committed) {
    for (size_t i = 0; i < batch.size(); ++i) {
      if (results[i]) {
        ++succeeded;
        checkpoint_wanted = checkpoint_wanted || batch[i].options.checkpoint_after;
      }
    }
  } else {
    for (Status& r : results) r = committed;
  }

  if (checkpoint_wanted) {
    Status checkpointed = CheckpointUntilTruncated();
    if (!checkpointed) {
      // The change is committed; only the promise of a clean WAL could not be kept.
      for (size_t i = 0; i < batch.size(); ++i) {
        if (results[i] && batch[i].options.checkpoint_after) results[i] = checkpointed;
      }
    }
  }

  if (committed) {
    std::lock_guard lock(mu_);
    ++stats_.transactions;
    stats_.writes += succeeded;
  }
  for (size_t i = 0; i < batch.size(); ++i) batch[i].done(std::move(results[i]));
}

Status Database::CheckpointUntilTruncated() {
  Connection& conn = *writer_conn_;
  const char* wal_file = sqlite3_filename_wal(sqlite3_db_filename(conn.raw(), "main"));
  auto truncated_once = [&]() -> bool {
    auto stmt = conn.Prepare("PRAGMA wal_checkpoint(TRUNCATE)");
    if (!stmt) return false;
    auto row = stmt->Step();
    if (!row || !*row || stmt->ColumnInt(0) != 0) return false;  // error, or readers in the way
    if (wal_file == nullptr) return true;
    auto size = options_.fs->FileSize(wal_file);
    return size ? *size == 0 : size.error().code == ErrorCode::kNotFound;
  };
  int busy_timeout_ms = 0;
  if (auto stmt = conn.Prepare("PRAGMA busy_timeout"); stmt && stmt->Step().value_or(false)) {
    busy_timeout_ms = static_cast<int>(stmt->ColumnInt(0));
  }
  // Wait only briefly per attempt, so that a long reader delays writers by a bounded time.
  sqlite3_busy_timeout(conn.raw(), kCheckpointBusyTimeoutMs);
  bool done = false;
  for (int attempt = 0; attempt < kCheckpointAttempts && !done; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(kCheckpointPause);
    done = truncated_once();
  }
  sqlite3_busy_timeout(conn.raw(), busy_timeout_ms);
  if (!done) {
    return Fail(ErrorCode::kUnavailable,
                "checkpoint incomplete: readers kept the write-ahead log in use", {},
                "checkpoint-incomplete");
  }
  return Ok();
}

Result<DatabaseFileSizes> Database::FileSizes() const {
  DatabaseFileSizes sizes;
  auto main_bytes = options_.fs->FileSize(options_.file);
  if (!main_bytes) {
    return Fail(ErrorCode::kIo,
                "cannot read the size of the database file: " + main_bytes.error().message);
  }
  sizes.main_bytes = *main_bytes;
  std::filesystem::path wal = options_.file;
  wal += "-wal";
  auto wal_bytes = options_.fs->FileSize(wal);
  sizes.wal_bytes = wal_bytes.value_or(0);  // absent between a clean close and the next write
  return sizes;
}

}  // namespace optin::store
