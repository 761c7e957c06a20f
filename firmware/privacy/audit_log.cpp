#include "privacy/audit_log.h"

#include <boost/json/serialize.hpp>

#include "platform/crypto.h"
#include "platform/encoding.h"

namespace optin::privacy {
namespace {

void AppendBigEndian(std::string& out, int64_t v) {
  auto u = static_cast<uint64_t>(v);
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((u >> shift) & 0xff));
}

void AppendLengthPrefixed(std::string& out, std::string_view s) {
  AppendBigEndian(out, static_cast<int64_t>(s.size()));
  out.append(s);
}

const std::string kGenesis(32, '\0');

}  // namespace

std::string AuditLog::EntryHash(std::string_view prev_hash, int64_t seq, int64_t at,
                                std::string_view kind, std::string_view detail) {
  std::string input;
  input.reserve(prev_hash.size() + kind.size() + detail.size() + 48);
  input.append("optin-edge audit v1");
  AppendLengthPrefixed(input, prev_hash);
  AppendBigEndian(input, seq);
  AppendBigEndian(input, at);
  AppendLengthPrefixed(input, kind);
  AppendLengthPrefixed(input, detail);
  return platform::Sha256(input);
}

Status AuditLog::Append(store::Connection& conn, int64_t at, std::string_view kind,
                        const boost::json::object& detail,
                        std::optional<std::string_view> subject_id) {
  int64_t seq = 1;
  std::string prev = kGenesis;
  {
    OPTIN_ASSIGN_OR_RETURN(
        auto last, conn.Prepare("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"));
    OPTIN_ASSIGN_OR_RETURN(bool row, last.Step());
    if (row) {
      seq = last.ColumnInt(0) + 1;
      prev = last.ColumnBlob(1);
    }
  }
  std::string detail_text = boost::json::serialize(detail);
  std::string hash = EntryHash(prev, seq, at, kind, detail_text);
  std::optional<std::string_view> subject = subject_id;
  OPTIN_TRY(
      conn.Execute("INSERT INTO audit_log(seq, at, kind, detail, prev_hash, hash, subject_id) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?)",
                   seq, at, kind, detail_text, store::Blob{prev}, store::Blob{hash}, subject));
  return Ok();
}

Result<AuditVerification> AuditLog::Verify(store::Connection& conn) {
  AuditVerification v;
  std::string prev = kGenesis;
  int64_t expected_seq = 1;
  OPTIN_ASSIGN_OR_RETURN(
      auto stmt,
      conn.Prepare("SELECT seq, at, kind, detail, prev_hash, hash FROM audit_log ORDER BY seq"));
  while (true) {
    OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    int64_t seq = stmt.ColumnInt(0);
    std::string stored_prev = stmt.ColumnBlob(4);
    std::string stored_hash = stmt.ColumnBlob(5);
    auto fail = [&](std::string problem) {
      v.intact = false;
      v.first_bad_seq = seq;
      v.problem = std::move(problem);
    };
    if (seq != expected_seq) {
      fail("entry " + std::to_string(expected_seq) + " is missing");
    } else if (stored_prev != prev) {
      fail("entry does not link to the previous entry's hash");
    } else if (EntryHash(prev, seq, stmt.ColumnInt(1), stmt.ColumnText(2), stmt.ColumnText(3)) !=
               stored_hash) {
      fail("entry's content does not match its hash (edited)");
    }
    if (!v.intact) break;
    prev = stored_hash;
    ++expected_seq;
    ++v.entries;
  }
  v.head_hash = platform::HexEncode(prev);
  return v;
}

Result<std::vector<AuditEntry>> AuditLog::ForSubject(store::Connection& conn,
                                                     std::string_view subject_id) {
  OPTIN_ASSIGN_OR_RETURN(auto stmt,
                         conn.Prepare("SELECT seq, at, kind, detail, prev_hash, hash "
                                      "FROM audit_log WHERE subject_id = ? ORDER BY seq"));
  stmt.BindAll(subject_id);
  std::vector<AuditEntry> out;
  while (true) {
    OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    out.push_back({stmt.ColumnInt(0), stmt.ColumnInt(1), stmt.ColumnText(2), stmt.ColumnText(3),
                   stmt.ColumnBlob(4), stmt.ColumnBlob(5)});
  }
  return out;
}

}  // namespace optin::privacy
