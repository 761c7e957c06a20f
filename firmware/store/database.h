// The database: one writer thread that group-commits (callers enqueue jobs; the writer runs a
// whole batch in one transaction with synchronous=FULL, each job in its own savepoint, then
// completes every caller) and a few reader threads with their own connections (WAL lets them
// run beside the writer). Thread-safe: Write/Read may be called from any thread. Completion
// callbacks run on the writer or reader thread; callers post them elsewhere if needed.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <vector>

#include "platform/error.h"
#include "platform/file_system.h"
#include "store/connection.h"
#include "store/door_vfs.h"
#include "store/schema.h"

namespace optin::store {

struct DatabaseOptions {
  std::filesystem::path file;
  // The door the database's files are written through (store/door_vfs.h); null: the real one.
  platform::FileSystem* fs = nullptr;
  size_t max_pending_writes = 4096;  // Write() beyond this fails fast with kResourceExhausted
  size_t max_pending_reads = 4096;
  size_t max_batch = 256;            // jobs per transaction
  size_t readers = 2;
  int64_t wal_size_limit_bytes = 64 << 20;
};

struct WriteOptions {
  // After the batch commits, run PRAGMA wal_checkpoint(TRUNCATE) before completing the caller,
  // so that no old page images remain in the WAL (used by erasure).
  bool checkpoint_after = false;
};

// The database's files on disk: the main file and the write-ahead log (0 when absent).
struct DatabaseFileSizes {
  uint64_t main_bytes = 0;
  uint64_t wal_bytes = 0;
};

struct DatabaseStats {
  uint64_t transactions = 0;  // batches committed
  uint64_t writes = 0;        // jobs completed successfully
};

class Database {
 public:
  using WriteJob = std::function<Status(Connection&)>;
  using ReadJob = std::function<void(Connection&)>;

  // Opens the file (creating it), applies the pending migrations of `migrations` in order,
  // recording each in schema_migrations, and starts the writer and reader threads.
  static Result<std::unique_ptr<Database>> Open(DatabaseOptions options,
                                                std::span<const Migration> migrations = Schema());
  ~Database();  // Stop()s

  // Enqueues `job` for the writer. `done` runs once, after the job's transaction is durable
  // (Ok) or rolled back (the job's error, or the commit's). A failing job rolls back only its
  // own savepoint. If the queue is full or the database is stopping, `done` runs at once with
  // kResourceExhausted / kUnavailable.
  void Write(WriteJob job, std::function<void(Status)> done, WriteOptions options = {});

  // Typed convenience: the job returns a value, `done` receives it after commit.
  template <class T>
  void Write(std::function<Result<T>(Connection&)> job, std::function<void(Result<T>)> done,
             WriteOptions options = {}) {
    auto slot = std::make_shared<std::optional<Result<T>>>();
    Write(
        [job = std::move(job), slot](Connection& c) -> Status {
          *slot = job(c);
          if (!**slot) return std::unexpected((**slot).error());
          return Ok();
        },
        [slot, done = std::move(done)](Status s) {
          if (!s) done(std::unexpected(s.error()));
          else done(std::move(**slot));
        },
        options);
  }

  // Runs `job` on a reader thread with a read-only connection. If the database is stopping or
  // the read queue is full, the job is dropped without running; use TryRead to learn that.
  void Read(ReadJob job);
  // Like Read, but says whether the job was queued: Ok (it will run, even if Stop() follows),
  // kUnavailable (stopping, reason "database-stopping") or kResourceExhausted ("read-queue-full").
  Status TryRead(ReadJob job);

  // Blocking forms for start-up, tools and tests. Never call them from the writer/reader threads.
  template <class T>
  Result<T> WriteSync(std::function<Result<T>(Connection&)> job, WriteOptions options = {}) {
    std::promise<Result<T>> p;
    auto f = p.get_future();
    Write<T>(std::move(job), [&p](Result<T> r) { p.set_value(std::move(r)); }, options);
    return f.get();
  }
  Status WriteSync(WriteJob job, WriteOptions options = {});
  // ReadSync returns kUnavailable / kResourceExhausted at once when the read cannot be queued.
  template <class T>
  Result<T> ReadSync(std::function<Result<T>(Connection&)> job) {
    std::promise<Result<T>> p;
    auto f = p.get_future();
    OPTIN_TRY(TryRead([&p, &job](Connection& c) { p.set_value(job(c)); }));
    return f.get();
  }

  // Checkpoints the WAL into the database file and truncates it (runs on the writer thread).
  Status CheckpointTruncate();

  // Finishes queued work (every queued write is completed, every queued read runs), then stops
  // the threads and closes the connections. Idempotent. Never call it from a completion callback.
  void Stop();

  DatabaseStats stats() const;
  // Stats the files (a system call each: call it off the network threads, e.g. in a read job).
  // kIo when the main file cannot be read.
  Result<DatabaseFileSizes> FileSizes() const;
  const std::filesystem::path& file() const { return options_.file; }

 private:
  explicit Database(DatabaseOptions options);
  struct PendingWrite {
    WriteJob job;
    std::function<void(Status)> done;
    WriteOptions options;
    bool checkpoint_only = false;  // CheckpointTruncate(): no transaction, runs alone
  };
  void WriterLoop();
  void ReaderLoop(std::unique_ptr<Connection> conn);
  void RunBatch(std::vector<PendingWrite>& batch);
  // One attempt at the batch's transaction; fills `results` for each job. On the non-final
  // attempt a job failing with disk-full aborts the whole transaction (to checkpoint and retry).
  Status AttemptBatch(std::vector<PendingWrite>& batch, std::vector<Status>& results,
                      bool final_attempt);
  Status CheckpointUntilTruncated();  // writer thread only; bounded retries
  Status Enqueue(PendingWrite& write);  // moves from `write` only when queued

  DatabaseOptions options_;
  std::unique_ptr<DoorVfs> vfs_;  // outlives every connection below
  std::unique_ptr<Connection> writer_conn_;

  mutable std::mutex mu_;
  std::condition_variable write_cv_;
  std::condition_variable read_cv_;
  std::deque<PendingWrite> writes_;  // GUARDED_BY(mu_)
  std::deque<ReadJob> reads_;        // GUARDED_BY(mu_)
  bool stopping_ = false;            // GUARDED_BY(mu_)
  DatabaseStats stats_;              // GUARDED_BY(mu_)

  std::mutex stop_mu_;  // serializes Stop(): joining threads, closing the writer connection
  std::thread writer_;
  std::vector<std::thread> readers_;
};

}  // namespace optin::store
