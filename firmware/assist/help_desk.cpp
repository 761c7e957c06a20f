#include "assist/help_desk.h"

#include <algorithm>
#include <array>
#include <boost/json/array.hpp>

#include "assist/request_text.h"
#include "platform/crypto.h"
#include "platform/encoding.h"
#include "platform/log.h"
#include "privacy/audit_log.h"

namespace optin::assist {

struct HelpDesk::Row {
  std::string id;
  std::string subject_id;
  std::string visit_id;
  std::string topic;
  std::string expertise;
  std::optional<std::string> note_sealed;
  std::optional<std::string> first_name_sealed;
  RequestState state = RequestState::kWaiting;
  int64_t created_at = 0;
  std::optional<int64_t> claimed_at;
  std::optional<std::string> claimed_by;
  std::optional<StaffRole> claimed_role;
  std::optional<int64_t> resolved_at;
  std::optional<int64_t> closed_at;
  std::string pseudonym;
  std::optional<int64_t> visit_ended_at;
  int64_t visit_expires_at = 0;

  bool visit_active(int64_t now) const { return !visit_ended_at && now < visit_expires_at; }
};

namespace {

using consent::Purpose;

constexpr std::string_view kSelectRows =
    "SELECT h.id, h.subject_id, h.visit_id, h.topic, h.expertise, h.note_sealed, "
    "h.first_name_sealed, h.state, h.created_at, h.claimed_at, h.claimed_by, h.claimed_role, "
    "h.resolved_at, h.closed_at, v.pseudonym, v.ended_at, v.expires_at "
    "FROM help_requests h JOIN visits v ON v.id = h.visit_id WHERE ";

// Each sealed field has its own associated data, so a sealed value cannot be moved to another
// request or another column.
std::string NoteAad(std::string_view id) { return std::string(id) + "|note"; }
std::string NameAad(std::string_view id) { return std::string(id) + "|first_name"; }

std::optional<int64_t> OptInt(const store::Statement& s, int col) {
  if (s.ColumnIsNull(col)) return std::nullopt;
  return s.ColumnInt(col);
}
std::optional<std::string> OptBlob(const store::Statement& s, int col) {
  if (s.ColumnIsNull(col)) return std::nullopt;
  return s.ColumnBlob(col);
}

constexpr std::array<std::string_view, 3> kExpertise = {"beginner", "intermediate", "expert"};

// Help requests as the shopper sees them in their access export, and erasure.
class HelpRequestRecords final : public privacy::SubjectRecords {
 public:
  HelpRequestRecords(const HelpDesk& desk, const platform::Clock& clock)
      : desk_(desk), clock_(clock) {}
  std::string_view Kind() const override { return "help_requests"; }
  Result<boost::json::value> Export(store::Connection& conn,
                                    std::string_view subject_id) const override {
    OPTIN_ASSIGN_OR_RETURN(
        auto rows,
        desk_.LoadRows(conn, "h.subject_id = ? ORDER BY h.created_at, h.id", subject_id));
    boost::json::array out;
    const int64_t now = clock_.NowUnix();
    for (const auto& row : rows) {
      ShopperView view{desk_.Decrypt(row, /*include_first_name=*/true), {}, {}};
      out.push_back(ShopperJson(view, now));
    }
    return out;
  }
  Result<int64_t> Count(store::Connection& conn, std::string_view subject_id) const override {
    return privacy::CountSubjectRows(conn, "help_requests", subject_id);
  }
  // Live prompts are retracted (staff consoles drop them); the rows go with the subject.
  Status Erase(store::Connection& conn, std::string_view subject_id) const override {
    OPTIN_TRY(desk_.RetractForSubject(conn, subject_id));
    return Ok();
  }

 private:
  const HelpDesk& desk_;
  const platform::Clock& clock_;
};

}  // namespace

HelpDesk::HelpDesk(const platform::Clock& clock, platform::Random& random, std::string at_rest_key,
                   const consent::ConsentLedger& ledger, PromptFeed& feed, HelpDeskPolicy policy)
    : clock_(clock),
      random_(random),
      at_rest_key_(std::move(at_rest_key)),
      ledger_(ledger),
      feed_(feed),
      policy_(std::move(policy)),
      records_(std::make_unique<HelpRequestRecords>(*this, clock)) {}

HelpDesk::~HelpDesk() = default;

Status HelpDesk::Validate(const NewHelpRequest& request) const {
  if (std::find(policy_.topics.begin(), policy_.topics.end(), request.topic) ==
      policy_.topics.end()) {
    std::string list;
    for (const auto& t : policy_.topics) list += (list.empty() ? "'" : ", '") + t + "'";
    return Fail(ErrorCode::kInvalidArgument, "Unknown topic. This store's topics are " + list + ".",
                "/topic", "unknown-topic");
  }
  if (std::find(kExpertise.begin(), kExpertise.end(), request.expertise) == kExpertise.end()) {
    return Fail(ErrorCode::kInvalidArgument,
                "'expertise' must be beginner, intermediate or expert.", "/expertise",
                "unknown-expertise");
  }
  if (request.note) OPTIN_TRY(CheckNote(*request.note));
  if (request.first_name) OPTIN_TRY(CheckFirstName(*request.first_name));
  return Ok();
}

Result<std::string> HelpDesk::Seal(std::string_view plaintext, std::string_view aad) const {
  return platform::Aes256GcmSeal(at_rest_key_, plaintext, aad, random_);
}

HelpRequest HelpDesk::Decrypt(const Row& row, bool include_first_name) const {
  HelpRequest r;
  r.id = row.id;
  r.visit_id = row.visit_id;
  r.topic = row.topic;
  r.expertise = row.expertise;
  r.state = row.state;
  r.created_at = row.created_at;
  r.claimed_at = row.claimed_at;
  r.claimed_by = row.claimed_by;
  r.claimed_role = row.claimed_role;
  r.resolved_at = row.resolved_at;
  r.closed_at = row.closed_at;
  if (row.note_sealed) {
    auto note = platform::Aes256GcmOpen(at_rest_key_, *row.note_sealed, NoteAad(row.id));
    if (note) {
      r.note = std::move(*note);
    } else {
      platform::log::Warn("assist.sealed_field_unreadable", {{"field", "note"}});
    }
  }
  if (include_first_name && row.first_name_sealed) {
    auto name = platform::Aes256GcmOpen(at_rest_key_, *row.first_name_sealed, NameAad(row.id));
    if (name) {
      r.first_name = std::move(*name);
    } else {
      platform::log::Warn("assist.sealed_field_unreadable", {{"field", "first_name"}});
    }
  }
  return r;
}

Result<std::vector<HelpDesk::Row>> HelpDesk::LoadRows(store::Connection& conn,
                                                      std::string_view where,
                                                      std::optional<std::string_view> arg) const {
  OPTIN_ASSIGN_OR_RETURN(auto stmt, conn.Prepare(std::string(kSelectRows) + std::string(where)));
  if (arg) stmt.Bind(1, *arg);
  std::vector<Row> out;
  while (true) {
    OPTIN_ASSIGN_OR_RETURN(bool more, stmt.Step());
    if (!more) break;
    Row r;
    r.id = stmt.ColumnText(0);
    r.subject_id = stmt.ColumnText(1);
    r.visit_id = stmt.ColumnText(2);
    r.topic = stmt.ColumnText(3);
    r.expertise = stmt.ColumnText(4);
    r.note_sealed = OptBlob(stmt, 5);
    r.first_name_sealed = OptBlob(stmt, 6);
    r.state = ParseRequestState(stmt.ColumnText(7)).value_or(RequestState::kRetracted);
    r.created_at = stmt.ColumnInt(8);
    r.claimed_at = OptInt(stmt, 9);
    if (!stmt.ColumnIsNull(10)) r.claimed_by = stmt.ColumnText(10);
    if (!stmt.ColumnIsNull(11)) r.claimed_role = ParseStaffRole(stmt.ColumnText(11));
    r.resolved_at = OptInt(stmt, 12);
    r.closed_at = OptInt(stmt, 13);
    r.pseudonym = stmt.ColumnText(14);
    r.visit_ended_at = OptInt(stmt, 15);
    r.visit_expires_at = stmt.ColumnInt(16);
    out.push_back(std::move(r));
  }
  return out;
}

Result<std::optional<HelpDesk::Row>> HelpDesk::LoadRow(store::Connection& conn,
                                                       std::string_view id) const {
  if (!id.starts_with("h_") || id.size() > 64) return std::optional<Row>();
  OPTIN_ASSIGN_OR_RETURN(auto rows, LoadRows(conn, "h.id = ?", id));
  if (rows.empty()) return std::optional<Row>();
  return std::optional<Row>(std::move(rows.front()));
}

Result<HelpDesk::Row> HelpDesk::LoadOwnRow(store::Connection& conn, std::string_view subject_id,
                                           std::string_view id) const {
  OPTIN_ASSIGN_OR_RETURN(auto row, LoadRow(conn, id));
  if (!row || row->subject_id != subject_id) {
    return Fail(ErrorCode::kNotFound, "You have no help request with this id.", {},
                "help-request-not-found");
  }
  return std::move(*row);
}

Result<Prompt> HelpDesk::ToPrompt(store::Connection& conn, const Row& row) const {
  // The first name only while `name_to_staff` is in force, checked now (PRODUCT.md line 5).
  bool name = false;
  if (row.first_name_sealed) {
    OPTIN_ASSIGN_OR_RETURN(name, ledger_.MayProcess(conn, row.subject_id, Purpose::kNameToStaff));
  }
  return Prompt{Decrypt(row, name), row.pseudonym};
}

Result<ShopperView> HelpDesk::ToShopperView(store::Connection& conn, const Row& row) const {
  ShopperView view{Decrypt(row, /*include_first_name=*/true), {}, {}};
  if (row.state != RequestState::kWaiting) return view;
  OPTIN_ASSIGN_OR_RETURN(auto ahead,
                         conn.Prepare("SELECT count(*) FROM help_requests WHERE state = "
                                      "'waiting' AND (created_at < ? OR (created_at = ? AND "
                                      "id < ?))"));
  ahead.BindAll(row.created_at, row.created_at, row.id);
  OPTIN_TRY(ahead.Step());
  const int64_t position = ahead.ColumnInt(0) + 1;
  // A rough wait: recent time to a claim (three minutes when there is no recent claim), times
  // the place in the queue.
  const int64_t now = clock_.NowUnix();
  OPTIN_ASSIGN_OR_RETURN(auto recent,
                         conn.Prepare("SELECT avg(claimed_at - created_at) FROM help_requests "
                                      "WHERE claimed_at IS NOT NULL AND claimed_at > ?"));
  recent.BindAll(now - 3600);
  OPTIN_TRY(recent.Step());
  const double per_prompt = recent.ColumnIsNull(0) ? 180.0 : std::max(30.0, recent.ColumnDouble(0));
  view.queue_position = position;
  view.estimated_wait_minutes = std::max<int64_t>(
      1, static_cast<int64_t>((per_prompt * static_cast<double>(position) + 59.0) / 60.0));
  return view;
}

void HelpDesk::Announce(store::Connection& conn, PromptEventKind kind, const std::string& id,
                        std::optional<boost::json::object> view) const {
  PromptEvent event{kind, id, std::move(view), 0};
  conn.AfterCommit([feed = &feed_, event = std::move(event)] { feed->Publish(event); });
}

Result<ShopperView> HelpDesk::Request(store::Connection& conn, const visits::Visit& visit,
                                      const NewHelpRequest& request) const {
  OPTIN_TRY(Validate(request));
  const int64_t now = clock_.NowUnix();
  if (!visit.active(now)) {
    return Fail(ErrorCode::kFailedPrecondition,
                "Your visit has ended. Check in again to ask for help.", {}, "no-active-visit");
  }
  OPTIN_ASSIGN_OR_RETURN(bool assistance,
                         ledger_.MayProcess(conn, visit.subject_id, Purpose::kAssistance));
  if (!assistance) {
    return Fail(ErrorCode::kPermissionDenied,
                "Asking staff for help needs the 'assistance' purpose. Turn it on first "
                "(PUT /v1/me/consents/assistance with {\"granted\": true}).",
                {}, "consent-required");
  }
  {
    OPTIN_ASSIGN_OR_RETURN(auto stmt,
                           conn.Prepare("SELECT count(*) FILTER (WHERE state IN ('waiting', "
                                        "'claimed')), count(*) FILTER (WHERE created_at > ?) "
                                        "FROM help_requests WHERE visit_id = ?"));
    stmt.BindAll(now - 3600, visit.id);
    OPTIN_TRY(stmt.Step());
    if (stmt.ColumnInt(0) >= policy_.max_open_per_visit) {
      // Not a rate: one request is open, and the shopper can act on it (OpenRequestId).
      return Fail(ErrorCode::kConflict,
                  "You already have a help request open. Staff will be with you soon; cancel it "
                  "first if you want to ask about something else.",
                  {}, "help-request-open");
    }
    if (stmt.ColumnInt(1) >= policy_.max_per_visit_per_hour) {
      OPTIN_ASSIGN_OR_RETURN(auto wait, HourlyRetryAfter(conn, visit.id));
      const int64_t minutes = (wait.count() + 59) / 60;
      return Fail(ErrorCode::kResourceExhausted,
                  "You have asked for help " + std::to_string(policy_.max_per_visit_per_hour) +
                      " times in the last hour. You can ask again in " + std::to_string(minutes) +
                      (minutes == 1 ? " minute" : " minutes") +
                      "; until then, speak to any member of staff.",
                  {}, "rate-limited");
    }
  }
  OPTIN_ASSIGN_OR_RETURN(bool name_allowed,
                         ledger_.MayProcess(conn, visit.subject_id, Purpose::kNameToStaff));

  const std::string id = "h_" + platform::Base64UrlEncode(random_.Bytes(12));
  std::optional<std::string> note_sealed, name_sealed;
  if (request.note && !request.note->empty()) {
    OPTIN_ASSIGN_OR_RETURN(note_sealed, Seal(*request.note, NoteAad(id)));
  }
  // Without `name_to_staff` the name has no use here, so it is not kept at all.
  if (request.first_name && name_allowed) {
    OPTIN_ASSIGN_OR_RETURN(name_sealed, Seal(*request.first_name, NameAad(id)));
  }
  auto blob = [](const std::optional<std::string>& s) -> std::optional<store::Blob> {
    if (!s) return std::nullopt;
    return store::Blob{*s};
  };
  OPTIN_TRY(conn.Execute(
      "INSERT INTO help_requests(id, subject_id, visit_id, topic, expertise, note_sealed, "
      "first_name_sealed, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'waiting', ?)",
      id, visit.subject_id, visit.id, request.topic, request.expertise, blob(note_sealed),
      blob(name_sealed), now));
  for (const auto& hook : request_hooks_) OPTIN_TRY(hook(conn, visit.subject_id, request.topic));

  OPTIN_ASSIGN_OR_RETURN(auto row, LoadRow(conn, id));
  if (!row) return Fail(ErrorCode::kInternal, "the new help request vanished");
  OPTIN_ASSIGN_OR_RETURN(Prompt prompt, ToPrompt(conn, *row));
  Announce(conn, PromptEventKind::kAdded, id, StaffView(prompt, now));
  return ToShopperView(conn, *row);
}

Result<std::optional<std::string>> HelpDesk::OpenRequestId(store::Connection& conn,
                                                           std::string_view visit_id) const {
  OPTIN_ASSIGN_OR_RETURN(auto stmt,
                         conn.Prepare("SELECT id FROM help_requests WHERE visit_id = ? AND state "
                                      "IN ('waiting', 'claimed') ORDER BY created_at, id LIMIT 1"));
  stmt.BindAll(visit_id);
  OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(stmt.ColumnText(0));
}

Result<ShopperView> HelpDesk::Get(store::Connection& conn, std::string_view subject_id,
                                  std::string_view id) const {
  OPTIN_ASSIGN_OR_RETURN(Row row, LoadOwnRow(conn, subject_id, id));
  return ToShopperView(conn, row);
}

Result<std::chrono::seconds> HelpDesk::HourlyRetryAfter(store::Connection& conn,
                                                        std::string_view visit_id) const {
  const int64_t now = clock_.NowUnix();
  // The request that fills the limit: while it is younger than an hour, the visit is at it.
  OPTIN_ASSIGN_OR_RETURN(auto stmt, conn.Prepare("SELECT created_at FROM help_requests WHERE "
                                                 "visit_id = ? AND created_at > ? ORDER BY "
                                                 "created_at DESC LIMIT 1 OFFSET ?"));
  stmt.BindAll(visit_id, now - 3600, std::max<int64_t>(0, policy_.max_per_visit_per_hour - 1));
  OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::chrono::seconds(0);
  return std::chrono::seconds(std::max<int64_t>(1, stmt.ColumnInt(0) + 3600 - now));
}

Result<ShopperView> HelpDesk::Cancel(store::Connection& conn, std::string_view subject_id,
                                     std::string_view id) const {
  OPTIN_ASSIGN_OR_RETURN(Row row, LoadOwnRow(conn, subject_id, id));
  if (row.state == RequestState::kResolved) {
    return Fail(ErrorCode::kConflict, "This help request was already resolved.", {},
                "help-request-resolved");
  }
  if (IsLive(row.state)) {
    const int64_t now = clock_.NowUnix();
    OPTIN_TRY(conn.Execute(
        "UPDATE help_requests SET state = 'cancelled', closed_at = ?, note_sealed = NULL, "
        "first_name_sealed = NULL WHERE id = ? AND state IN ('waiting', 'claimed')",
        now, row.id));
    Announce(conn, PromptEventKind::kRetracted, row.id, std::nullopt);
    OPTIN_ASSIGN_OR_RETURN(row, LoadOwnRow(conn, subject_id, id));
  }
  return ToShopperView(conn, row);
}

Status HelpDesk::Retract(store::Connection& conn, const Row& row, int64_t now) const {
  OPTIN_ASSIGN_OR_RETURN(
      int64_t n, conn.Execute("UPDATE help_requests SET state = 'retracted', closed_at = ?, "
                              "note_sealed = NULL, first_name_sealed = NULL WHERE id = ? AND "
                              "state IN ('waiting', 'claimed')",
                              now, row.id));
  if (n > 0) Announce(conn, PromptEventKind::kRetracted, row.id, std::nullopt);
  return Ok();
}

Result<int64_t> HelpDesk::RetractForSubject(store::Connection& conn,
                                            std::string_view subject_id) const {
  OPTIN_ASSIGN_OR_RETURN(
      auto rows,
      LoadRows(conn, "h.subject_id = ? AND h.state IN ('waiting', 'claimed')", subject_id));
  const int64_t now = clock_.NowUnix();
  for (const Row& row : rows) OPTIN_TRY(Retract(conn, row, now));
  return static_cast<int64_t>(rows.size());
}

Status HelpDesk::OnConsentChange(store::Connection& conn, std::string_view subject_id,
                                 consent::Purpose purpose, bool granted, int64_t now) const {
  if (granted) return Ok();
  OPTIN_ASSIGN_OR_RETURN(bool assistance,
                         ledger_.MayProcess(conn, subject_id, Purpose::kAssistance));
  if (!assistance) {
    OPTIN_TRY(RetractForSubject(conn, subject_id));
    return Ok();
  }
  if (purpose != Purpose::kNameToStaff) return Ok();
  OPTIN_ASSIGN_OR_RETURN(
      auto rows,
      LoadRows(conn, "h.subject_id = ? AND h.first_name_sealed IS NOT NULL", subject_id));
  OPTIN_TRY(
      conn.Execute("UPDATE help_requests SET first_name_sealed = NULL WHERE subject_id = ? AND "
                   "first_name_sealed IS NOT NULL",
                   subject_id));
  for (Row& row : rows) {
    if (!IsLive(row.state)) continue;
    row.first_name_sealed.reset();
    Announce(conn, PromptEventKind::kUpdated, row.id,
             StaffView(Prompt{Decrypt(row, false), row.pseudonym}, now));
  }
  return Ok();
}

Status HelpDesk::OnVisitEnd(store::Connection& conn, const visits::Visit& visit) const {
  OPTIN_ASSIGN_OR_RETURN(
      auto rows, LoadRows(conn, "h.visit_id = ? AND h.state IN ('waiting', 'claimed')", visit.id));
  const int64_t now = clock_.NowUnix();
  for (const Row& row : rows) OPTIN_TRY(Retract(conn, row, now));
  return Ok();
}

Status HelpDesk::RecordView(store::Connection& conn, const StaffSession& staff, const Row& row,
                            int64_t now) const {
  OPTIN_ASSIGN_OR_RETURN(
      int64_t n, conn.Execute("INSERT INTO staff_views(session_hash, request_id, viewed_at) "
                              "VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                              store::Blob{staff.session_key}, row.id, now));
  if (n == 0) return Ok();
  return privacy::AuditLog::Append(conn, now, "staff.viewed",
                                   boost::json::object{{"role", ToString(staff.staff.role)}},
                                   row.subject_id);
}

Result<std::vector<Prompt>> HelpDesk::Queue(store::Connection& conn,
                                            const StaffSession& staff) const {
  const int64_t now = clock_.NowUnix();
  OPTIN_ASSIGN_OR_RETURN(
      auto rows, LoadRows(conn, "h.state IN ('waiting', 'claimed') ORDER BY h.created_at, h.id",
                          std::nullopt));
  std::vector<Prompt> out;
  for (const Row& row : rows) {
    // Only shoppers who asked, while they still allow it and are still here (line 4).
    bool live = row.visit_active(now);
    if (live) {
      OPTIN_ASSIGN_OR_RETURN(live, ledger_.MayProcess(conn, row.subject_id, Purpose::kAssistance));
    }
    if (!live) {
      OPTIN_TRY(Retract(conn, row, now));
      continue;
    }
    OPTIN_TRY(RecordView(conn, staff, row, now));
    OPTIN_ASSIGN_OR_RETURN(Prompt prompt, ToPrompt(conn, row));
    out.push_back(std::move(prompt));
  }
  return out;
}

Status HelpDesk::RecordViews(store::Connection& conn, const StaffSession& staff,
                             const std::vector<std::string>& prompt_ids) const {
  const int64_t now = clock_.NowUnix();
  for (const auto& id : prompt_ids) {
    OPTIN_ASSIGN_OR_RETURN(auto row, LoadRow(conn, id));
    if (row && IsLive(row->state)) OPTIN_TRY(RecordView(conn, staff, *row, now));
  }
  return Ok();
}

Result<ClaimResult> HelpDesk::Claim(store::Connection& conn, const StaffSession& staff,
                                    std::string_view id) const {
  const int64_t now = clock_.NowUnix();
  OPTIN_ASSIGN_OR_RETURN(auto row, LoadRow(conn, id));
  if (!row) {
    return Fail(ErrorCode::kNotFound, "There is no prompt with this id.", {}, "prompt-not-found");
  }
  if (row->state == RequestState::kResolved) {
    return Fail(ErrorCode::kConflict, "This prompt was already resolved.", {}, "prompt-resolved");
  }
  bool live = IsLive(row->state) && row->visit_active(now);
  if (live) {
    OPTIN_ASSIGN_OR_RETURN(live, ledger_.MayProcess(conn, row->subject_id, Purpose::kAssistance));
  }
  if (!live) {
    return Fail(ErrorCode::kConflict,
                "This prompt is closed: the shopper no longer needs this help.", {},
                "prompt-closed");
  }
  OPTIN_TRY(RecordView(conn, staff, *row, now));
  if (row->state == RequestState::kClaimed) {
    OPTIN_ASSIGN_OR_RETURN(Prompt prompt, ToPrompt(conn, *row));
    return ClaimResult{row->claimed_by == staff.staff.id, std::move(prompt)};
  }
  OPTIN_ASSIGN_OR_RETURN(int64_t n,
                         conn.Execute("UPDATE help_requests SET state = 'claimed', claimed_at = ?, "
                                      "claimed_by = ?, claimed_role = ? WHERE id = ? AND state = "
                                      "'waiting'",
                                      now, staff.staff.id, ToString(staff.staff.role), row->id));
  if (n == 0) return Fail(ErrorCode::kInternal, "the prompt changed during its claim");
  OPTIN_TRY(privacy::AuditLog::Append(conn, now, "staff.claimed",
                                      boost::json::object{{"role", ToString(staff.staff.role)}},
                                      row->subject_id));
  for (const auto& hook : claim_hooks_) {
    OPTIN_TRY(hook(conn, row->subject_id, row->created_at, now));
  }
  OPTIN_ASSIGN_OR_RETURN(row, LoadRow(conn, id));
  OPTIN_ASSIGN_OR_RETURN(Prompt prompt, ToPrompt(conn, *row));
  Announce(conn, PromptEventKind::kClaimed, prompt.request.id, StaffView(prompt, now));
  return ClaimResult{true, std::move(prompt)};
}

Result<Prompt> HelpDesk::Resolve(store::Connection& conn, const StaffSession& staff,
                                 std::string_view id) const {
  const int64_t now = clock_.NowUnix();
  OPTIN_ASSIGN_OR_RETURN(auto row, LoadRow(conn, id));
  if (!row) {
    return Fail(ErrorCode::kNotFound, "There is no prompt with this id.", {}, "prompt-not-found");
  }
  if (row->state == RequestState::kResolved) {
    return Fail(ErrorCode::kConflict, "This prompt was already resolved.", {}, "prompt-resolved");
  }
  if (!IsLive(row->state)) {
    return Fail(ErrorCode::kConflict,
                "This prompt is closed: the shopper no longer needs this help.", {},
                "prompt-closed");
  }
  if (row->state == RequestState::kClaimed && row->claimed_by != staff.staff.id &&
      staff.staff.role != StaffRole::kManager) {
    return Fail(ErrorCode::kConflict,
                "This prompt was claimed by " + row->claimed_by.value_or("someone else") + " (" +
                    std::string(ToString(row->claimed_role.value_or(StaffRole::kAssociate))) +
                    "); only they or a manager can resolve it.",
                {}, "claimed-by-other");
  }
  OPTIN_TRY(conn.Execute(
      "UPDATE help_requests SET state = 'resolved', resolved_at = ?, "
      "claimed_at = coalesce(claimed_at, ?), claimed_by = coalesce(claimed_by, ?), "
      "claimed_role = coalesce(claimed_role, ?), note_sealed = NULL, first_name_sealed = NULL "
      "WHERE id = ?",
      now, now, staff.staff.id, ToString(staff.staff.role), row->id));
  OPTIN_TRY(privacy::AuditLog::Append(conn, now, "staff.resolved",
                                      boost::json::object{{"role", ToString(staff.staff.role)}},
                                      row->subject_id));
  for (const auto& hook : claim_hooks_) {
    OPTIN_TRY(hook(conn, row->subject_id, row->created_at, now));
  }
  OPTIN_ASSIGN_OR_RETURN(row, LoadRow(conn, id));
  Prompt prompt{Decrypt(*row, false), row->pseudonym};
  Announce(conn, PromptEventKind::kResolved, prompt.request.id, StaffView(prompt, now));
  return prompt;
}

Result<LivePromptCounts> HelpDesk::CountLive(store::Connection& conn) const {
  OPTIN_ASSIGN_OR_RETURN(auto stmt,
                         conn.Prepare("SELECT count(*) FILTER (WHERE state = 'waiting'), "
                                      "count(*) FILTER (WHERE state = 'claimed') FROM "
                                      "help_requests WHERE state IN ('waiting', 'claimed')"));
  OPTIN_TRY(stmt.Step());
  return LivePromptCounts{stmt.ColumnInt(0), stmt.ColumnInt(1)};
}

}  // namespace optin::assist
