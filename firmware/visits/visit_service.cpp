#include "visits/visit_service.h"

#include <boost/json/array.hpp>

#include "platform/encoding.h"
#include "privacy/audit_log.h"
#include "visits/visit_pseudonym.h"

namespace optin::visits {
namespace {

constexpr std::string_view kVisitColumns =
    "id, subject_id, pseudonym, channel, started_at, expires_at, ended_at";
constexpr std::string_view kVisitTokenPrefix = "vt_";

Visit ReadVisit(const store::Statement& s) {
  Visit v;
  v.id = s.ColumnText(0);
  v.subject_id = s.ColumnText(1);
  v.pseudonym = s.ColumnText(2);
  v.channel = s.ColumnText(3);
  v.started_at = s.ColumnInt(4);
  v.expires_at = s.ColumnInt(5);
  if (!s.ColumnIsNull(6)) v.ended_at = s.ColumnInt(6);
  return v;
}

class VisitRecords final : public privacy::SubjectRecords {
 public:
  explicit VisitRecords(const VisitService& service) : service_(service) {}
  std::string_view Kind() const override { return "visits"; }
  // The visit in progress ends first, so that its end hooks run (help requests retracted);
  // the rows themselves go with the subject (ON DELETE CASCADE).
  Status Erase(store::Connection& conn, std::string_view subject_id) const override {
    OPTIN_ASSIGN_OR_RETURN(auto open, service_.ActiveForSubject(conn, subject_id));
    if (open) OPTIN_TRY(service_.End(conn, *open));
    return Ok();
  }
  Result<boost::json::value> Export(store::Connection& conn,
                                    std::string_view subject_id) const override {
    OPTIN_ASSIGN_OR_RETURN(auto stmt,
                           conn.Prepare("SELECT id, subject_id, pseudonym, channel, started_at, "
                                        "expires_at, ended_at FROM visits WHERE subject_id = ? "
                                        "ORDER BY started_at"));
    stmt.BindAll(subject_id);
    boost::json::array out;
    while (true) {
      OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      Visit v = ReadVisit(stmt);
      boost::json::object o{{"id", v.id},
                            {"pseudonym", v.pseudonym},
                            {"channel", v.channel},
                            {"started_at", v.started_at},
                            {"expires_at", v.expires_at}};
      o["ended_at"] = v.ended_at ? boost::json::value(*v.ended_at) : boost::json::value(nullptr);
      out.push_back(std::move(o));
    }
    return out;
  }
  Result<int64_t> Count(store::Connection& conn, std::string_view subject_id) const override {
    return privacy::CountSubjectRows(conn, "visits", subject_id);
  }

 private:
  const VisitService& service_;
};

}  // namespace

VisitService::VisitService(const platform::Clock& clock, platform::Random& random,
                           const privacy::Pseudonymizer& pseudonymizer,
                           const consent::ConsentLedger& ledger, VisitPolicy policy)
    : clock_(clock),
      random_(random),
      pseudonymizer_(pseudonymizer),
      ledger_(ledger),
      policy_(policy),
      records_(std::make_unique<VisitRecords>(*this)) {}

Result<CheckInResult> VisitService::CheckIn(store::Connection& conn,
                                            const CheckInRequest& request) const {
  if (request.subject_id.empty()) return CheckInAnonymously(conn, request);
  const std::string jti_hash = pseudonymizer_.TokenHash("jti:" + request.token_id);
  {
    OPTIN_ASSIGN_OR_RETURN(auto stmt,
                           conn.Prepare("INSERT INTO used_token_ids(jti_hash, expires_at) "
                                        "VALUES (?, ?) ON CONFLICT DO NOTHING"));
    stmt.BindAll(store::Blob{jti_hash}, request.token_expires_at);
    OPTIN_TRY(stmt.Run());
    if (conn.Changes() == 0) {
      return Fail(ErrorCode::kConflict,
                  "This token was already used to check in. Ask the app for a fresh one.", {},
                  "token-replayed");
    }
  }

  return StartVisit(conn, request);
}

Status VisitService::CheckDecisionsForChannel(std::string_view channel,
                                              const std::vector<consent::ConsentChange>& decisions,
                                              std::string_view field) {
  if (channel != "web") return Ok();
  for (const auto& d : decisions) {
    if (d.purpose != consent::Purpose::kHistory || !d.granted) continue;
    return Fail(ErrorCode::kFailedPrecondition,
                "'history' cannot be turned on for a check-in on the store's web page: such a "
                "visit is anonymous and linked to no other, so there is no later visit to "
                "remember it for. History needs the store's app.",
                std::string(field), "purpose-needs-app");
  }
  return Ok();
}

Result<bool> VisitService::IsAnonymousWebSubject(store::Connection& conn,
                                                 std::string_view subject_id) {
  OPTIN_ASSIGN_OR_RETURN(auto stmt, conn.Prepare("SELECT 1 FROM visits WHERE subject_id = ? AND "
                                                 "channel = 'web' LIMIT 1"));
  stmt.BindAll(subject_id);
  return stmt.Step();
}

Result<CheckInResult> VisitService::CheckInAnonymously(store::Connection& conn,
                                                       const CheckInRequest& request) const {
  if (request.channel != "web" || !request.token_id.empty()) {
    return Fail(ErrorCode::kInvalidArgument,
                "Only the shopper web page checks in without an app token.", {},
                "anonymous-check-in");
  }
  OPTIN_TRY(CheckDecisionsForChannel(request.channel, request.decisions));
  // A subject of its own for this visit: nothing links it to any other visit or person.
  CheckInRequest anonymous = request;
  anonymous.subject_id =
      pseudonymizer_.SubjectId("web", platform::Base64UrlEncode(random_.Bytes(32)));
  return StartVisit(conn, anonymous);
}

Result<CheckInResult> VisitService::StartVisit(store::Connection& conn,
                                               const CheckInRequest& request) const {
  const int64_t now = clock_.NowUnix();
  std::vector<consent::ConsentChange> decisions{{consent::Purpose::kPresence, true}};
  for (const auto& d : request.decisions) {
    if (d.purpose != consent::Purpose::kPresence) decisions.push_back(d);
  }
  OPTIN_ASSIGN_OR_RETURN(
      consent::ConsentReceipt receipt,
      ledger_.Apply(conn, request.subject_id, decisions,
                    request.channel == "app" ? "app check-in" : request.channel + " check-in",
                    request.language));

  OPTIN_ASSIGN_OR_RETURN(auto open, ActiveForSubject(conn, request.subject_id));
  if (open) OPTIN_TRY(End(conn, *open));

  CheckInResult result;
  result.visit_token =
      std::string(kVisitTokenPrefix) + platform::Base64UrlEncode(random_.Bytes(32));
  Visit& v = result.visit;
  v.id = "v_" + platform::Base64UrlEncode(random_.Bytes(12));
  v.subject_id = request.subject_id;
  v.pseudonym = RandomVisitPseudonym(random_);
  v.channel = request.channel;
  v.started_at = now;
  v.expires_at = now + policy_.max_duration.count();
  const std::string token_hash = pseudonymizer_.TokenHash(result.visit_token);
  OPTIN_TRY(
      conn.Execute("INSERT INTO visits(id, subject_id, pseudonym, channel, token_hash, "
                   "started_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                   v.id, v.subject_id, v.pseudonym, v.channel, store::Blob{token_hash},
                   v.started_at, v.expires_at));
  for (const auto& hook : check_in_hooks_) OPTIN_TRY(hook(conn, v));
  result.receipt = std::move(receipt);
  return result;
}

Result<std::vector<Visit>> VisitService::Query(store::Connection& conn, std::string_view where,
                                               std::string_view arg) const {
  std::string sql =
      "SELECT " + std::string(kVisitColumns) + " FROM visits WHERE " + std::string(where);
  OPTIN_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(sql));
  stmt.Bind(1, store::Blob{arg});
  std::vector<Visit> out;
  while (true) {
    OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    out.push_back(ReadVisit(stmt));
  }
  return out;
}

Result<Visit> VisitService::FindByToken(store::Connection& conn,
                                        std::string_view visit_token) const {
  auto invalid = [] {
    return Fail(ErrorCode::kUnauthenticated,
                "The visit token is unknown or the visit has ended. Check in again.", {},
                "visit-token-invalid");
  };
  if (!visit_token.starts_with(kVisitTokenPrefix) || visit_token.size() > 128) return invalid();
  const std::string hash = pseudonymizer_.TokenHash(visit_token);
  OPTIN_ASSIGN_OR_RETURN(auto visits, Query(conn, "token_hash = ?", hash));
  if (visits.empty() || !visits.front().active(clock_.NowUnix())) return invalid();
  return visits.front();
}

Result<std::optional<Visit>> VisitService::ActiveForSubject(store::Connection& conn,
                                                            std::string_view subject_id) const {
  OPTIN_ASSIGN_OR_RETURN(
      auto stmt, conn.Prepare("SELECT id, subject_id, pseudonym, channel, started_at, expires_at, "
                              "ended_at FROM visits WHERE subject_id = ? AND ended_at IS NULL "
                              "AND expires_at > ? ORDER BY started_at DESC LIMIT 1"));
  stmt.BindAll(subject_id, clock_.NowUnix());
  OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<Visit>();
  return std::optional<Visit>(ReadVisit(stmt));
}

Status VisitService::End(store::Connection& conn, const Visit& visit) const {
  if (visit.ended_at) return Ok();
  const int64_t now = clock_.NowUnix();
  const int64_t ended = std::min(now, visit.expires_at);
  OPTIN_ASSIGN_OR_RETURN(int64_t n, conn.Execute("UPDATE visits SET ended_at = ? WHERE id = ? AND "
                                                 "ended_at IS NULL",
                                                 ended, visit.id));
  if (n == 0) return Ok();
  Visit ended_visit = visit;
  ended_visit.ended_at = ended;
  for (const auto& hook : end_hooks_) OPTIN_TRY(hook(conn, ended_visit));
  return Ok();
}

Result<int64_t> VisitService::Purge(store::Connection& conn) const {
  const int64_t now = clock_.NowUnix();
  int64_t deleted = 0;
  // Visits past their time end now, so that their hooks run.
  std::vector<Visit> overdue;
  {
    OPTIN_ASSIGN_OR_RETURN(auto stmt,
                           conn.Prepare("SELECT id, subject_id, pseudonym, channel, started_at, "
                                        "expires_at, ended_at FROM visits WHERE ended_at IS NULL "
                                        "AND expires_at <= ?"));
    stmt.BindAll(now);
    while (true) {
      OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      overdue.push_back(ReadVisit(stmt));
    }
  }
  for (const Visit& v : overdue) OPTIN_TRY(End(conn, v));

  // An anonymous web visit is its subject's only one and nobody can come back to it: once it
  // has been over for ended_retention, everything about that subject goes (consents, receipts,
  // interests, offers shown, help requests cascade), whatever was granted.
  OPTIN_ASSIGN_OR_RETURN(
      int64_t web_subjects,
      conn.Execute("DELETE FROM subjects WHERE id IN (SELECT subject_id FROM visits WHERE channel "
                   "= 'web' AND ended_at IS NOT NULL AND ended_at <= ?) AND NOT EXISTS (SELECT 1 "
                   "FROM visits v WHERE v.subject_id = subjects.id AND v.ended_at IS NULL)",
                   now - policy_.ended_retention.count()));
  deleted += web_subjects;

  // Ended visits: kept for ended_retention, or history_retention under `history`.
  struct Old {
    std::string id, subject;
    int64_t ended_at;
  };
  std::vector<Old> old;
  {
    OPTIN_ASSIGN_OR_RETURN(auto stmt, conn.Prepare("SELECT id, subject_id, ended_at FROM visits "
                                                   "WHERE ended_at IS NOT NULL AND ended_at <= ?"));
    stmt.BindAll(now - policy_.ended_retention.count());
    while (true) {
      OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      old.push_back({stmt.ColumnText(0), stmt.ColumnText(1), stmt.ColumnInt(2)});
    }
  }
  for (const Old& o : old) {
    if (o.ended_at > now - policy_.history_retention.count()) {
      OPTIN_ASSIGN_OR_RETURN(bool history,
                             ledger_.MayProcess(conn, o.subject, consent::Purpose::kHistory));
      if (history) continue;
    }
    OPTIN_ASSIGN_OR_RETURN(int64_t n, conn.Execute("DELETE FROM visits WHERE id = ?", o.id));
    deleted += n;
  }
  OPTIN_ASSIGN_OR_RETURN(
      int64_t tokens, conn.Execute("DELETE FROM used_token_ids WHERE expires_at < ?", now - 3600));
  deleted += tokens;
  // A subject with no visit left and no purpose granted has nothing we may keep.
  OPTIN_ASSIGN_OR_RETURN(
      int64_t subjects,
      conn.Execute("DELETE FROM subjects WHERE NOT EXISTS (SELECT 1 FROM visits v WHERE "
                   "v.subject_id = subjects.id) AND NOT EXISTS (SELECT 1 FROM consents c WHERE "
                   "c.subject_id = subjects.id AND c.granted = 1)"));
  deleted += subjects;
  if (deleted > 0 || !overdue.empty()) {
    OPTIN_TRY(privacy::AuditLog::Append(
        conn, now, "retention.purged",
        boost::json::object{{"visits_ended", static_cast<int64_t>(overdue.size())},
                            {"rows_deleted", deleted}}));
  }
  return deleted;
}

}  // namespace optin::visits
