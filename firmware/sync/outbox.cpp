#include "sync/outbox.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace optin::sync {
namespace json = boost::json;

Outbox::Outbox(const platform::Clock& clock, OutboxPolicy policy, BatchSigner signer)
    : clock_(clock), policy_(std::move(policy)), signer_(std::move(signer)) {}

Status Outbox::Enqueue(store::Connection& conn, const BatchContent& content,
                       std::string_view jws) const {
  const std::string id = BatchId(content.store_id, content.period_start, content.period_end);
  OPTIN_TRY(conn.Execute(
      "INSERT INTO sync_outbox(batch_id, period_start, period_end, created_at, content, jws) "
      "VALUES (?, ?, ?, ?, ?, ?)",
      id, content.period_start, content.period_end, content.created_at,
      json::serialize(ContentToJson(content)), jws));
  return Ok();
}

Result<std::vector<OutboxBatch>> Outbox::Head(store::Connection& conn, int64_t n) const {
  OPTIN_ASSIGN_OR_RETURN(auto stmt,
                         conn.Prepare("SELECT seq, batch_id, period_start, period_end, created_at, "
                                      "jws, attempts FROM sync_outbox WHERE state = 'pending' "
                                      "ORDER BY seq LIMIT ?"));
  stmt.BindAll(n);
  std::vector<OutboxBatch> out;
  for (;;) {
    OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    out.push_back(OutboxBatch{stmt.ColumnInt(0), stmt.ColumnText(1), stmt.ColumnInt(2),
                              stmt.ColumnInt(3), stmt.ColumnInt(4), stmt.ColumnText(5),
                              stmt.ColumnInt(6)});
  }
  return out;
}

Status Outbox::MarkSent(store::Connection& conn, const std::vector<std::string>& ids) const {
  for (const std::string& id : ids) {
    OPTIN_TRY(conn.Execute("DELETE FROM sync_outbox WHERE batch_id = ?", id));
  }
  return Ok();
}

Status Outbox::MarkRejected(store::Connection& conn, std::string_view id,
                            std::string_view reason) const {
  OPTIN_TRY(
      conn.Execute("UPDATE sync_outbox SET state = 'rejected', attempts = attempts + 1, "
                   "maybe_sent = 1, last_error = ? WHERE batch_id = ?",
                   reason, id));
  return Ok();
}

Status Outbox::RecordFailure(store::Connection& conn, const std::vector<std::string>& ids,
                             std::string_view error, bool maybe_sent) const {
  for (const std::string& id : ids) {
    OPTIN_TRY(
        conn.Execute("UPDATE sync_outbox SET attempts = attempts + 1, maybe_sent = "
                     "max(maybe_sent, ?), last_error = ? WHERE batch_id = ?",
                     maybe_sent ? 1 : 0, error, id));
  }
  return Ok();
}

Result<OutboxDepth> Outbox::Depth(store::Connection& conn) const {
  OPTIN_ASSIGN_OR_RETURN(
      auto stmt, conn.Prepare("SELECT count(*) FILTER (WHERE state = 'pending'), count(*) FILTER "
                              "(WHERE state = 'rejected'), min(created_at) FILTER (WHERE state "
                              "= 'pending') FROM sync_outbox"));
  OPTIN_TRY(stmt.Step());
  OutboxDepth d;
  d.pending = stmt.ColumnInt(0);
  d.rejected = stmt.ColumnInt(1);
  if (!stmt.ColumnIsNull(2)) {
    d.oldest_age_seconds = std::max<int64_t>(0, clock_.NowUnix() - stmt.ColumnInt(2));
  }
  return d;
}

Status Outbox::MergeRows(store::Connection& conn, const std::vector<int64_t>& seqs) const {
  std::vector<BatchContent> parts;
  for (int64_t seq : seqs) {
    OPTIN_ASSIGN_OR_RETURN(auto stmt,
                           conn.Prepare("SELECT content FROM sync_outbox WHERE seq = ?"));
    stmt.BindAll(seq);
    OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return Fail(ErrorCode::kInternal, "an outbox row vanished during a merge");
    boost::system::error_code ec;
    json::value v = json::parse(stmt.ColumnText(0), ec);
    if (ec || !v.is_object()) return Fail(ErrorCode::kDataLoss, "an outbox row is unreadable");
    OPTIN_ASSIGN_OR_RETURN(BatchContent c, ContentFromJson(v.as_object()));
    parts.push_back(std::move(c));
  }
  OPTIN_ASSIGN_OR_RETURN(BatchContent merged, MergeContents(parts));
  OPTIN_ASSIGN_OR_RETURN(std::string jws, signer_(BatchPayload(merged)));
  for (int64_t seq : seqs) {
    OPTIN_TRY(conn.Execute("DELETE FROM sync_outbox WHERE seq = ?", seq));
  }
  // The merged batch keeps the first one's place in the queue.
  OPTIN_TRY(conn.Execute(
      "INSERT INTO sync_outbox(seq, batch_id, period_start, period_end, created_at, content, "
      "jws) VALUES (?, ?, ?, ?, ?, ?, ?)",
      seqs.front(), BatchId(merged.store_id, merged.period_start, merged.period_end),
      merged.period_start, merged.period_end, merged.created_at,
      json::serialize(ContentToJson(merged)), jws));
  return Ok();
}

Result<int64_t> Outbox::Compact(store::Connection& conn) const {
  struct Row {
    int64_t seq;
    int64_t created_at;
    bool mergeable;
  };
  auto load = [&conn]() -> Result<std::vector<Row>> {
    std::vector<Row> rows;
    OPTIN_ASSIGN_OR_RETURN(auto stmt,
                           conn.Prepare("SELECT seq, created_at, maybe_sent FROM sync_outbox "
                                        "WHERE state = 'pending' ORDER BY seq"));
    for (;;) {
      OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      rows.push_back(Row{stmt.ColumnInt(0), stmt.ColumnInt(1), stmt.ColumnInt(2) == 0});
    }
    return rows;
  };
  OPTIN_ASSIGN_OR_RETURN(std::vector<Row> rows, load());
  int64_t merged_away = 0;
  // Age: the oldest run of mergeable batches past max_age becomes one.
  const int64_t cutoff = clock_.NowUnix() - policy_.max_age.count();
  std::vector<int64_t> old_run;
  size_t i = 0;
  while (i < rows.size() && !rows[i].mergeable) ++i;
  while (i < rows.size() && rows[i].mergeable && rows[i].created_at < cutoff) {
    old_run.push_back(rows[i++].seq);
  }
  if (old_run.size() >= 2) {
    OPTIN_TRY(MergeRows(conn, old_run));
    merged_away += static_cast<int64_t>(old_run.size()) - 1;
    OPTIN_ASSIGN_OR_RETURN(rows, load());
  }
  // Size: merge the oldest mergeable run until the count fits.
  const int64_t excess = static_cast<int64_t>(rows.size()) - policy_.max_batches;
  if (excess > 0) {
    std::vector<int64_t> run;
    for (size_t j = 0; j < rows.size() && static_cast<int64_t>(run.size()) < excess + 1; ++j) {
      if (rows[j].mergeable) {
        run.push_back(rows[j].seq);
      } else if (run.size() < 2) {
        run.clear();  // runs must be consecutive in the queue
      } else {
        break;
      }
    }
    if (run.size() >= 2) {
      OPTIN_TRY(MergeRows(conn, run));
      merged_away += static_cast<int64_t>(run.size()) - 1;
    }
  }
  return merged_away;
}

}  // namespace optin::sync
