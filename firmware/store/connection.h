// One SQLite connection and its prepared statements. A Connection is used by one thread at a
// time (the writer thread, or one reader thread); it is not thread-safe. SQLite result codes
// become Errors here and nowhere else.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "platform/error.h"

struct sqlite3;
struct sqlite3_stmt;

namespace optin::store {

// A BLOB parameter (a std::string_view binds as TEXT).
struct Blob {
  std::string_view bytes;
};
struct Null {};

// A prepared statement, borrowed from the connection's cache. Reset (and its bindings cleared)
// on destruction. A Statement must not outlive its Connection.
class Statement {
 public:
  Statement(sqlite3_stmt* stmt, sqlite3* db) : stmt_(stmt), db_(db) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  ~Statement();

  // Parameters are 1-based as in SQLite.
  void Bind(int index, int64_t value);
  void Bind(int index, int value) { Bind(index, static_cast<int64_t>(value)); }
  void Bind(int index, bool value) { Bind(index, static_cast<int64_t>(value)); }
  void Bind(int index, double value);
  void Bind(int index, std::string_view text);
  void Bind(int index, const std::string& text) { Bind(index, std::string_view(text)); }
  void Bind(int index, const char* text) { Bind(index, std::string_view(text)); }
  void Bind(int index, Blob blob);
  void Bind(int index, Null);
  template <class T>
  void Bind(int index, const std::optional<T>& value) {
    if (value)
      Bind(index, *value);
    else
      Bind(index, Null{});
  }
  template <class... Args>
  void BindAll(const Args&... args) {
    int i = 1;
    (Bind(i++, args), ...);
  }

  // Advances: true when a row is available, false when done.
  Result<bool> Step();
  // Steps until done (for INSERT/UPDATE/DELETE).
  Status Run();

  int64_t ColumnInt(int col) const;  // 0-based columns
  double ColumnDouble(int col) const;
  std::string ColumnText(int col) const;
  std::string ColumnBlob(int col) const;
  bool ColumnIsNull(int col) const;

 private:
  friend class Connection;
  // in_use: the cache entry's flag, cleared on destruction (nullptr when not from the cache);
  // owned: finalize on destruction (a fresh statement prepared because the cached one was busy).
  Statement(sqlite3_stmt* stmt, sqlite3* db, bool* in_use, bool owned)
      : stmt_(stmt), db_(db), in_use_(in_use), owned_(owned) {}

  sqlite3_stmt* stmt_;
  sqlite3* db_;
  bool* in_use_ = nullptr;
  bool owned_ = false;
  int bind_rc_ = 0;  // first failed sqlite3_bind_* result, reported by Step()
};

enum class OpenMode { kReadWrite, kReadOnly };

class Connection {
 public:
  // Opens (creating if needed) with WAL, foreign_keys=ON, secure_delete=ON, synchronous=FULL,
  // busy_timeout and journal_size_limit set.
  // `vfs`: the name of a registered SQLite VFS to open through (store/door_vfs.h); empty: the
  // default one.
  static Result<std::unique_ptr<Connection>> Open(const std::filesystem::path& file, OpenMode mode,
                                                  const std::string& vfs = {});
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more statements without parameters.
  Status Exec(std::string_view sql);
  // A statement from the cache (prepared once per connection).
  Result<Statement> Prepare(std::string_view sql);

  // Prepare, bind, run to completion. Returns the number of rows changed.
  template <class... Args>
  Result<int64_t> Execute(std::string_view sql, const Args&... args) {
    OPTIN_ASSIGN_OR_RETURN(Statement stmt, Prepare(sql));
    stmt.BindAll(args...);
    OPTIN_TRY(stmt.Run());
    return Changes();
  }

  int64_t Changes() const;
  int64_t LastInsertRowId() const;

  // Inside a write job: runs `fn` on the writer thread once the job's transaction is durably
  // committed (e.g. to tell staff consoles a prompt was retracted). Dropped if the job fails or
  // the batch rolls back. Must not block. In read jobs it is dropped.
  void AfterCommit(std::function<void()> fn) { after_commit_.push_back(std::move(fn)); }
  // For the writer: how many are pending, dropping those past a mark, taking them all.
  size_t PendingAfterCommit() const { return after_commit_.size(); }
  void DropAfterCommit(size_t from) {
    if (from < after_commit_.size()) after_commit_.resize(from);
  }
  std::vector<std::function<void()>> TakeAfterCommit() { return std::exchange(after_commit_, {}); }

  sqlite3* raw() { return db_; }
  const std::filesystem::path& file() const { return file_; }

 private:
  Connection(sqlite3* db, std::filesystem::path file) : db_(db), file_(std::move(file)) {}
  struct CachedStatement {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;  // a Statement currently borrows it
  };
  sqlite3* db_;
  std::filesystem::path file_;
  std::map<std::string, CachedStatement, std::less<>> cache_;  // keyed by SQL text
  std::vector<std::function<void()>> after_commit_;
};

// Converts an SQLite result code into an Error (SQLITE_FULL -> kResourceExhausted, BUSY ->
// kUnavailable, CONSTRAINT -> kConflict, CORRUPT/NOTADB -> kDataLoss, others -> kIo).
Error SqliteError(int rc, sqlite3* db, std::string_view what);

}  // namespace optin::store
