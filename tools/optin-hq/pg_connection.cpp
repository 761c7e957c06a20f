#include "tools/optin-hq/pg_connection.h"

#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <optional>

namespace optin::hq {
namespace {

std::string Trimmed(const char* message) {
  std::string s = message ? message : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

PgParams& PgParams::Add(std::string_view text) {
  values_.emplace_back(std::string(text));
  return *this;
}

PgParams& PgParams::Add(int64_t value) {
  values_.emplace_back(std::to_string(value));
  return *this;
}

PgParams& PgParams::Add(double value) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  values_.emplace_back(std::string(buf, ec == std::errc() ? end : buf));
  return *this;
}

PgParams& PgParams::Add(const std::optional<std::string>& value) {
  values_.push_back(value);
  return *this;
}

void PgResult::Clear::operator()(pg_result* r) const { PQclear(r); }

PgResult::PgResult(pg_result* result) : result_(result) {}
PgResult::~PgResult() = default;

int PgResult::rows() const { return PQntuples(result_.get()); }

int64_t PgResult::affected_rows() const {
  const char* n = PQcmdTuples(result_.get());
  return n && *n ? std::strtoll(n, nullptr, 10) : 0;
}

bool PgResult::IsNull(int row, int col) const { return PQgetisnull(result_.get(), row, col); }

std::string PgResult::Text(int row, int col) const {
  return std::string(PQgetvalue(result_.get(), row, col),
                     static_cast<size_t>(PQgetlength(result_.get(), row, col)));
}

int64_t PgResult::Int(int row, int col) const {
  const char* v = PQgetvalue(result_.get(), row, col);
  const int len = PQgetlength(result_.get(), row, col);
  int64_t out = 0;
  std::from_chars(v, v + len, out);
  return out;
}

double PgResult::Double(int row, int col) const {
  return std::strtod(PQgetvalue(result_.get(), row, col), nullptr);
}

Error PgErrorFromState(std::string_view state, std::string_view message, bool connection_lost,
                       std::string_view what) {
  ErrorCode code = ErrorCode::kIo;
  auto cls = state.substr(0, 2);
  if (state.empty()) {
    code = connection_lost ? ErrorCode::kUnavailable : ErrorCode::kIo;
  } else if (cls == "08" || state == "57P01" || state == "57P02" || state == "57P03" ||
             cls == "40") {
    code = ErrorCode::kUnavailable;
  } else if (cls == "53") {
    code = ErrorCode::kResourceExhausted;
  } else if (cls == "23") {
    code = ErrorCode::kConflict;
  } else if (cls == "22") {
    code = ErrorCode::kInvalidArgument;
  } else if (cls == "28") {
    code = ErrorCode::kUnauthenticated;
  } else if (state == "42501") {
    code = ErrorCode::kPermissionDenied;
  } else if (state == "XX001" || state == "XX002") {
    code = ErrorCode::kDataLoss;
  }
  std::string reason = "pg-" + std::string(state.empty() ? "connection" : state);
  return Error{code, "postgresql " + std::string(what) + ": " + std::string(message), "",
               std::move(reason)};
}

Error PgError(const pg_result* result, const pg_conn* conn, std::string_view what) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string message = result ? Trimmed(PQresultErrorMessage(result)) : "";
  if (message.empty()) message = Trimmed(PQerrorMessage(conn));
  if (message.empty()) message = "failed";
  const bool lost = conn == nullptr || PQstatus(conn) == CONNECTION_BAD;
  return PgErrorFromState(state ? state : "", message, lost, what);
}

Result<std::unique_ptr<PgConnection>> PgConnection::Connect(const std::string& conninfo) {
  pg_conn* conn = PQconnectdb(conninfo.c_str());
  if (conn == nullptr) return Fail(ErrorCode::kResourceExhausted, "postgresql: out of memory");
  std::unique_ptr<PgConnection> c(new PgConnection(conn));
  if (PQstatus(conn) != CONNECTION_OK) {
    Error e = PgError(nullptr, conn, "connect");
    // libpq reports refused logins without a SQLSTATE; the message says it.
    if (e.message.find("authentication failed") != std::string::npos ||
        e.message.find("password") != std::string::npos) {
      e.code = ErrorCode::kUnauthenticated;
    }
    return std::unexpected(std::move(e));
  }
  PGresult* r = PQexec(conn, "SET client_min_messages = warning");
  PQclear(r);
  return c;
}

PgConnection::~PgConnection() { PQfinish(conn_); }

bool PgConnection::broken() const { return poisoned_ || PQstatus(conn_) == CONNECTION_BAD; }

Status PgConnection::Reset() {
  prepared_.clear();  // a new session knows none of them
  prepared_count_ = 0;
  deferred_.clear();
  poisoned_ = false;
  PQreset(conn_);
  if (PQstatus(conn_) != CONNECTION_OK) return std::unexpected(PgError(nullptr, conn_, "connect"));
  PGresult* r = PQexec(conn_, "SET client_min_messages = warning");
  PQclear(r);
  return Ok();
}

Status PgConnection::Exec(std::string_view sql) {
  OPTIN_TRY(Flush());
  const std::string text(sql);
  PGresult* r = PQexec(conn_, text.c_str());
  const ExecStatusType st = PQresultStatus(r);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    Error e = PgError(r, conn_, "exec");
    PQclear(r);
    return std::unexpected(std::move(e));
  }
  PQclear(r);
  return Ok();
}

Result<PgResult> PgConnection::Query(std::string_view sql, const PgParams& params) {
  std::vector<Statement> statements = std::move(deferred_);
  deferred_.clear();
  statements.push_back(Statement{std::string(sql), params});
  return RunPipeline(std::move(statements));
}

void PgConnection::Defer(std::string_view sql, const PgParams& params) {
  deferred_.push_back(Statement{std::string(sql), params});
}

Status PgConnection::Flush() {
  if (deferred_.empty()) return Ok();
  std::vector<Statement> statements = std::move(deferred_);
  deferred_.clear();
  OPTIN_TRY(RunPipeline(std::move(statements)));
  return Ok();
}

void PgConnection::DropDeferred() { deferred_.clear(); }

bool PgConnection::in_transaction() const {
  const PGTransactionStatusType t = PQtransactionStatus(conn_);
  return t == PQTRANS_INTRANS || t == PQTRANS_INERROR;
}

Result<PgResult> PgConnection::RunPipeline(std::vector<Statement> statements) {
  if (PQenterPipelineMode(conn_) != 1) {
    return std::unexpected(PgError(nullptr, conn_, "pipeline"));
  }
  // What was sent, in order: each statement, preceded by its PQsendPrepare when new.
  struct Sent {
    bool is_prepare;
    std::string text;  // for a prepare: the statement text it names
  };
  std::vector<Sent> sent;
  std::optional<Error> error;
  for (const Statement& st : statements) {
    std::vector<const char*> values;
    values.reserve(st.params.values_.size());
    for (const auto& v : st.params.values_) values.push_back(v ? v->c_str() : nullptr);
    const int n = static_cast<int>(values.size());
    auto it = prepared_.find(st.sql);
    if (it == prepared_.end() && prepared_.size() < kMaxPrepared) {
      std::string name = "optin_" + std::to_string(++prepared_count_);
      if (PQsendPrepare(conn_, name.c_str(), st.sql.c_str(), n, nullptr) != 1) {
        error = PgError(nullptr, conn_, "query");
        break;
      }
      sent.push_back(Sent{true, st.sql});
      it = prepared_.emplace(st.sql, std::move(name)).first;
    }
    const int ok = it != prepared_.end() ? PQsendQueryPrepared(conn_, it->second.c_str(), n,
                                                               values.data(), nullptr, nullptr, 0)
                                         : PQsendQueryParams(conn_, st.sql.c_str(), n, nullptr,
                                                             values.data(), nullptr, nullptr, 0);
    if (ok != 1) {
      error = PgError(nullptr, conn_, "query");
      break;
    }
    sent.push_back(Sent{false, {}});
  }
  if (!error && PQpipelineSync(conn_) != 1) error = PgError(nullptr, conn_, "pipeline");
  if (error) {  // not all sent: what was is not read, and the connection is not used again
    poisoned_ = true;
    return std::unexpected(std::move(*error));
  }
  // Every result, in order, each followed by a null; then the sync's (unless the connection is
  // gone). A prepare that did not succeed is forgotten, so that its text is prepared again.
  std::optional<PgResult> last;
  for (const Sent& s : sent) {
    PGresult* r = PQgetResult(conn_);
    if (r == nullptr) {
      if (!error) error = PgError(nullptr, conn_, "query");
      if (s.is_prepare) prepared_.erase(s.text);
      continue;
    }
    const ExecStatusType st = PQresultStatus(r);
    const bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok && s.is_prepare) prepared_.erase(s.text);
    if (!ok && !error && st != PGRES_PIPELINE_ABORTED) error = PgError(r, conn_, "query");
    if (ok && !s.is_prepare && &s == &sent.back()) {
      last.emplace(r);
    } else {
      PQclear(r);
    }
    while (PGresult* extra = PQgetResult(conn_)) PQclear(extra);  // up to the null
  }
  if (!broken()) {
    while (PGresult* r = PQgetResult(conn_)) {
      const bool sync = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
      PQclear(r);
      if (sync) break;
    }
  }
  if (PQexitPipelineMode(conn_) != 1) {  // results left unread: the connection is not reused
    poisoned_ = true;
    if (!error) error = PgError(nullptr, conn_, "pipeline");
  }
  if (error) return std::unexpected(std::move(*error));
  if (!last) return std::unexpected(PgError(nullptr, conn_, "query"));
  return std::move(*last);
}

Status PgConnection::CopyIn(std::string_view copy_sql, std::string_view data) {
  OPTIN_TRY(Flush());
  const std::string text(copy_sql);
  PGresult* r = PQexec(conn_, text.c_str());
  if (PQresultStatus(r) != PGRES_COPY_IN) {
    Error e = PgError(r, conn_, "copy");
    PQclear(r);
    return std::unexpected(std::move(e));
  }
  PQclear(r);
  // libpq takes at most INT_MAX bytes a call; send in 1 MiB pieces.
  constexpr size_t kPiece = 1 << 20;
  for (size_t at = 0; at < data.size(); at += kPiece) {
    const size_t n = std::min(kPiece, data.size() - at);
    if (PQputCopyData(conn_, data.data() + at, static_cast<int>(n)) != 1) {
      return std::unexpected(PgError(nullptr, conn_, "copy data"));
    }
  }
  if (PQputCopyEnd(conn_, nullptr) != 1) {
    return std::unexpected(PgError(nullptr, conn_, "copy end"));
  }
  // The COPY's own result, then NULL.
  Status status = Ok();
  while (PGresult* end = PQgetResult(conn_)) {
    if (PQresultStatus(end) != PGRES_COMMAND_OK && status) {
      status = std::unexpected(PgError(end, conn_, "copy"));
    }
    PQclear(end);
  }
  return status;
}

}  // namespace optin::hq
