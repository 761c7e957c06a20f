#include "store/connection.h"

#include <sqlite3.h>

#include <string>
#include <utility>

namespace optin::store {
namespace {

constexpr int kBusyTimeoutMs = 5000;
constexpr int64_t kJournalSizeLimitBytes = int64_t{64} << 20;

// Runs a statement expected to produce one row and returns its first column as text.
Result<std::string> QueryText(Connection& conn, std::string_view sql) {
  OPTIN_ASSIGN_OR_RETURN(Statement stmt, conn.Prepare(sql));
  OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::string();
  return stmt.ColumnText(0);
}

bool OnlyWhitespaceOrSemicolons(const char* p, const char* end) {
  for (; p < end; ++p) {
    if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r' && *p != ';') return false;
  }
  return true;
}

}  // namespace

Error SqliteError(int rc, sqlite3* db, std::string_view what) {
  const int primary = rc & 0xff;
  ErrorCode code = ErrorCode::kIo;
  std::string reason;
  switch (primary) {
    case SQLITE_FULL:
      code = ErrorCode::kResourceExhausted;
      reason = "disk-full";
      break;
    case SQLITE_IOERR:  // a read, write, fsync or truncate of the database's files failed
      reason = "storage-failed";
      break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      code = ErrorCode::kUnavailable;
      break;
    case SQLITE_CONSTRAINT:
      code = ErrorCode::kConflict;
      break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      code = ErrorCode::kDataLoss;
      break;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      code = ErrorCode::kPermissionDenied;
      break;
    default:
      break;
  }
  // The connection's message is more precise, but only when it describes this very error.
  const char* detail = nullptr;
  if (db != nullptr && (sqlite3_extended_errcode(db) & 0xff) == primary) {
    detail = sqlite3_errmsg(db);
  }
  if (detail == nullptr) detail = sqlite3_errstr(rc);
  std::string message(what);
  message += ": ";
  message += detail;
  return Error{code, std::move(message), {}, std::move(reason)};
}

// ---------------------------------------------------------------------------------------------
// Statement

Statement::Statement(Statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)),
      db_(other.db_),
      in_use_(std::exchange(other.in_use_, nullptr)),
      owned_(std::exchange(other.owned_, false)),
      bind_rc_(other.bind_rc_) {}

Statement::~Statement() {
  if (stmt_ == nullptr) return;
  if (owned_) {
    sqlite3_finalize(stmt_);
    return;
  }
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  if (in_use_ != nullptr) *in_use_ = false;
}

void Statement::Bind(int index, int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

void Statement::Bind(int index, double value) {
  int rc = sqlite3_bind_double(stmt_, index, value);
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

void Statement::Bind(int index, std::string_view text) {
  // A null pointer would bind NULL; an empty view still means the empty string.
  const char* data = text.data() != nullptr ? text.data() : "";
  int rc = sqlite3_bind_text64(stmt_, index, data, text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

void Statement::Bind(int index, Blob blob) {
  int rc = blob.bytes.empty() ? sqlite3_bind_zeroblob(stmt_, index, 0)
                              : sqlite3_bind_blob64(stmt_, index, blob.bytes.data(),
                                                    blob.bytes.size(), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

void Statement::Bind(int index, Null) {
  int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

Result<bool> Statement::Step() {
  if (stmt_ == nullptr) return Fail(ErrorCode::kInternal, "step on a moved-from statement");
  if (bind_rc_ != SQLITE_OK) return std::unexpected(SqliteError(bind_rc_, nullptr, "bind"));
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return std::unexpected(SqliteError(rc, db_, "step"));
}

Status Statement::Run() {
  for (;;) {
    OPTIN_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return Ok();
  }
}

int64_t Statement::ColumnInt(int col) const { return sqlite3_column_int64(stmt_, col); }

double Statement::ColumnDouble(int col) const { return sqlite3_column_double(stmt_, col); }

std::string Statement::ColumnText(int col) const {
  // Pointer first, then size (the documented safe order).
  const unsigned char* text = sqlite3_column_text(stmt_, col);
  if (text == nullptr) return {};
  int size = sqlite3_column_bytes(stmt_, col);
  return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(size));
}

std::string Statement::ColumnBlob(int col) const {
  const void* bytes = sqlite3_column_blob(stmt_, col);
  if (bytes == nullptr) return {};
  int size = sqlite3_column_bytes(stmt_, col);
  return std::string(static_cast<const char*>(bytes), static_cast<size_t>(size));
}

bool Statement::ColumnIsNull(int col) const {
  return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}

// ---------------------------------------------------------------------------------------------
// Connection

Result<std::unique_ptr<Connection>> Connection::Open(const std::filesystem::path& file,
                                                     OpenMode mode, const std::string& vfs) {
  const bool read_only = mode == OpenMode::kReadOnly;
  int flags = SQLITE_OPEN_NOMUTEX;
  flags |= read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(file.c_str(), &db, flags, vfs.empty() ? nullptr : vfs.c_str());
  if (rc != SQLITE_OK) {
    Error error = SqliteError(rc, db, "cannot open database");
    sqlite3_close_v2(db);  // a handle is returned even on failure (null is harmless)
    return std::unexpected(std::move(error));
  }
  std::unique_ptr<Connection> conn(new Connection(db, file));
  sqlite3_extended_result_codes(db, 1);

  if (!read_only) {
    OPTIN_ASSIGN_OR_RETURN(std::string journal_mode, QueryText(*conn, "PRAGMA journal_mode=WAL"));
    if (journal_mode != "wal") {
      return Fail(ErrorCode::kIo, "cannot switch the database to WAL mode (journal_mode is \"" +
                                      journal_mode + "\")");
    }
  }
  OPTIN_TRY(conn->Exec("PRAGMA synchronous=FULL"));
  OPTIN_TRY(conn->Exec("PRAGMA foreign_keys=ON"));
  OPTIN_TRY(conn->Exec("PRAGMA secure_delete=ON"));
  OPTIN_TRY(conn->Exec("PRAGMA busy_timeout=" + std::to_string(kBusyTimeoutMs)));
  OPTIN_TRY(conn->Exec("PRAGMA journal_size_limit=" + std::to_string(kJournalSizeLimitBytes)));
  if (read_only) OPTIN_TRY(conn->Exec("PRAGMA query_only=ON"));
  return conn;
}

Connection::~Connection() {
  for (auto& [sql, cached] : cache_) sqlite3_finalize(cached.stmt);
  cache_.clear();
  // close_v2 defers the close should an uncached statement still be alive (a caller's bug).
  sqlite3_close_v2(db_);
}

Status Connection::Exec(std::string_view sql) {
  std::string text(sql);
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return std::unexpected(SqliteError(rc, db_, "exec"));
  return Ok();
}

Result<Statement> Connection::Prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  const bool cached_busy = it != cache_.end() && it->second.in_use;
  if (it != cache_.end() && !cached_busy) {
    it->second.in_use = true;
    return Statement(it->second.stmt, db_, &it->second.in_use, /*owned=*/false);
  }

  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  unsigned prep_flags = cached_busy ? 0 : SQLITE_PREPARE_PERSISTENT;
  int rc =
      sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), prep_flags, &stmt, &tail);
  if (rc != SQLITE_OK) return std::unexpected(SqliteError(rc, db_, "prepare"));
  if (stmt == nullptr) return Fail(ErrorCode::kInternal, "prepare: no SQL statement given");
  if (tail != nullptr && !OnlyWhitespaceOrSemicolons(tail, sql.data() + sql.size())) {
    sqlite3_finalize(stmt);
    return Fail(ErrorCode::kInternal, "prepare: more than one SQL statement given (use Exec)");
  }
  if (cached_busy) {
    // Nested use of the same SQL: a private statement, finalized when the borrower is done.
    return Statement(stmt, db_, nullptr, /*owned=*/true);
  }
  auto [pos, inserted] = cache_.emplace(std::string(sql), CachedStatement{stmt, true});
  (void)inserted;
  return Statement(stmt, db_, &pos->second.in_use, /*owned=*/false);
}

int64_t Connection::Changes() const { return sqlite3_changes64(db_); }

int64_t Connection::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }

}  // namespace optin::store
