// One libpq connection to PostgreSQL and its results, the only place that calls libpq: every
// libpq failure becomes an optin::Error here (PgError), by SQLSTATE. Parameters travel as text.
// Query prepares each statement text once per session (its first use sends the prepare and the
// execution together): the server parses and plans it once instead of at every call (at most
// kMaxPrepared texts a session; past that, texts are sent unprepared). Statements whose rows
// nobody reads (writes, BEGIN, a lock) can be deferred: they travel with the next Query in one
// round trip. Every Query is one libpq pipeline: the deferred statements, then its own.
// A PgConnection is used by one thread at a time; it is not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "platform/error.h"

struct pg_conn;
struct pg_result;

namespace optin::hq {

// Text parameters for a query ($1, $2, ...); nullopt is SQL NULL.
class PgParams {
 public:
  PgParams& Add(std::string_view text);
  PgParams& Add(const std::string& text) { return Add(std::string_view(text)); }
  PgParams& Add(const char* text) { return Add(std::string_view(text)); }
  PgParams& Add(int64_t value);
  PgParams& Add(int value) { return Add(static_cast<int64_t>(value)); }
  PgParams& Add(double value);  // shortest form that reads back exactly
  PgParams& Add(const std::optional<std::string>& value);
  size_t size() const { return values_.size(); }

 private:
  friend class PgConnection;
  std::vector<std::optional<std::string>> values_;
};

// A query's rows (text format). Cells are read by 0-based row and column.
class PgResult {
 public:
  explicit PgResult(pg_result* result);
  PgResult(PgResult&&) noexcept = default;
  ~PgResult();
  int rows() const;
  int64_t affected_rows() const;  // for INSERT/UPDATE/DELETE
  bool IsNull(int row, int col) const;
  std::string Text(int row, int col) const;
  int64_t Int(int row, int col) const;  // 0 for NULL or unparsable
  double Double(int row, int col) const;

 private:
  struct Clear {
    void operator()(pg_result* r) const;
  };
  std::unique_ptr<pg_result, Clear> result_;
};

class PgConnection {
 public:
  // Connects with a libpq connection string or URI. kUnavailable when the server cannot be
  // reached, kUnauthenticated when it refuses the login.
  static Result<std::unique_ptr<PgConnection>> Connect(const std::string& conninfo);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // One or more statements without parameters (the deferred ones are sent first).
  Status Exec(std::string_view sql);
  // One statement with parameters (prepared on first use in this session), sent after the
  // deferred ones in the same round trip; the first error among them is returned.
  Result<PgResult> Query(std::string_view sql, const PgParams& params = {});
  static constexpr size_t kMaxPrepared = 256;
  // Queues one statement to send with the next Query, Exec, CopyIn or Flush; its error, if
  // any, is theirs. Statements run in the order they were queued or sent.
  void Defer(std::string_view sql, const PgParams& params = {});
  // Sends the deferred statements now (one round trip); the first error among them.
  Status Flush();
  // Forgets the deferred statements unsent (before a ROLLBACK).
  void DropDeferred();
  // Whether the session is inside a transaction block (failed or not): BEGIN was sent.
  bool in_transaction() const;
  // COPY ... FROM STDIN: starts it, sends `data` (COPY text format) and ends it.
  Status CopyIn(std::string_view copy_sql, std::string_view data);

  // Whether the connection to the server is lost (a query failed with the socket closed) or
  // left unusable by a pipeline that could not be sent or read whole; a broken connection is
  // only good for Reset().
  bool broken() const;
  // Reconnects with the same parameters.
  Status Reset();

 private:
  struct Statement {
    std::string sql;
    PgParams params;
  };
  explicit PgConnection(pg_conn* conn) : conn_(conn) {}
  // Sends `statements` in one pipeline and reads every result: the last one's, or the first
  // error.
  Result<PgResult> RunPipeline(std::vector<Statement> statements);
  pg_conn* conn_;
  // Statement text -> its prepared name in this session; emptied when the session is new.
  std::unordered_map<std::string, std::string> prepared_;
  size_t prepared_count_ = 0;  // names given this session (names are never reused)
  std::vector<Statement> deferred_;
  bool poisoned_ = false;  // a pipeline left it in an unknown state: broken() until Reset()
};

// The single conversion of libpq failures to Errors. By SQLSTATE class: 08 (connection) and
// 57P01-57P03 (shutting down / starting) -> kUnavailable, 40 (serialization, deadlock) ->
// kUnavailable (retry), 53 (resources, disk full) -> kResourceExhausted, 23 (constraints) ->
// kConflict, 22 (data) -> kInvalidArgument, 28 (authorization) -> kUnauthenticated, 42501 ->
// kPermissionDenied, XX001/XX002 (corruption) -> kDataLoss, others -> kIo; a result without a
// SQLSTATE on a lost connection -> kUnavailable. `reason` carries "pg-" and the SQLSTATE.
Error PgError(const pg_result* result, const pg_conn* conn, std::string_view what);
// The same from a SQLSTATE and a message (the mapping, testable without a server).
Error PgErrorFromState(std::string_view sqlstate, std::string_view message, bool connection_lost,
                       std::string_view what);

}  // namespace optin::hq
