#include "assist/staff_sessions.h"

#include <boost/json/object.hpp>

#include "platform/crypto.h"
#include "platform/encoding.h"
#include "privacy/audit_log.h"

namespace optin::assist {
namespace {

constexpr std::string_view kTokenPrefix = "st_";
constexpr size_t kTokenBytes = 32;

std::string Minutes(int64_t seconds) {
  const int64_t minutes = (seconds + 59) / 60;
  return std::to_string(minutes) + (minutes == 1 ? " minute" : " minutes");
}

// The one refusal for a wrong PIN, an unknown id and a locked account alike: it states the
// lockout rule without saying whether this account is locked, or exists.
Error WrongCredentials(const StaffSessionPolicy& policy) {
  return Error{ErrorCode::kUnauthenticated,
               "The staff id or PIN is not right. After " + std::to_string(policy.max_failures) +
                   " wrong PINs in a row an account is locked for " +
                   Minutes(policy.lockout.count()) +
                   "; a manager can unlock it sooner by resetting the PIN.",
               {},
               "staff-login-failed"};
}

// Every refused login writes the same audit entry (no id, no role), so that each refusal costs
// one durable write whether or not the id exists.
Status AuditFailure(store::Connection& conn, int64_t now) {
  return privacy::AuditLog::Append(conn, now, "staff.login_failed", boost::json::object{});
}

std::unexpected<Error> InvalidToken() {
  return Fail(ErrorCode::kUnauthenticated,
              "Your staff session is unknown, has ended or has expired. Log in again.", {},
              "staff-token-invalid");
}

}  // namespace

StaffSessions::StaffSessions(const platform::Clock& clock, platform::Random& random,
                             const privacy::Pseudonymizer& pseudonymizer,
                             const StaffDirectory& directory, StaffSessionPolicy policy)
    : clock_(clock),
      random_(random),
      pseudonymizer_(pseudonymizer),
      directory_(directory),
      policy_(policy),
      clients_(clock, policy.client_max_failures, policy.client_window, policy.max_clients) {}

std::string StaffSessions::TokenHash(std::string_view token) const {
  return pseudonymizer_.TokenHash("staff-session:" + std::string(token));
}

Status StaffSessions::CheckClient(std::string_view client_key) const {
  if (clients_.Allowed(client_key)) return Ok();
  return Fail(ErrorCode::kResourceExhausted,
              "Too many failed logins from this device. Try again in " +
                  Minutes(clients_.RetryAfter(client_key).count()) + ".",
              {}, "rate-limited");
}

Result<PinCheck> StaffSessions::CheckPin(store::Connection& conn, std::string_view staff_id,
                                         std::string_view pin) const {
  return directory_.CheckPinFor(conn, staff_id, pin);
}

Result<LoginAttempt> StaffSessions::CompleteLogin(store::Connection& conn, const PinCheck& check,
                                                  std::string_view client_key) const {
  const int64_t now = clock_.NowUnix();
  LoginAttempt attempt;
  if (!clients_.Allowed(client_key)) {
    attempt.refusal = CheckClient(client_key).error();
    return attempt;
  }
  // Read the account again: it may have been locked, reset or removed since the PIN check.
  std::optional<StaffAccount> account;
  std::string stored_hash;
  if (check.account) {
    OPTIN_ASSIGN_OR_RETURN(auto stmt, conn.Prepare("SELECT pin_hash FROM staff WHERE id = ?"));
    stmt.BindAll(check.account->id);
    OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (row) stored_hash = stmt.ColumnBlob(0);
    OPTIN_ASSIGN_OR_RETURN(account, directory_.Find(conn, check.account->id));
  }
  if (!account || account->locked(now)) {
    // Unknown, or locked (even with the right PIN): the same answer as a wrong PIN.
    clients_.RecordFailure(client_key);
    OPTIN_TRY(AuditFailure(conn, now));
    attempt.refusal = WrongCredentials(policy_);
    return attempt;
  }
  const bool same_pin = platform::ConstantTimeEquals(stored_hash, check.pin_hash);
  if (!check.matches || !same_pin) {
    clients_.RecordFailure(client_key);
    OPTIN_TRY(AuditFailure(conn, now));
    const int64_t failures = account->failed_logins + 1;
    if (failures >= policy_.max_failures) {
      OPTIN_TRY(conn.Execute("UPDATE staff SET failed_logins = 0, locked_until = ? WHERE id = ?",
                             now + policy_.lockout.count(), account->id));
      OPTIN_TRY(privacy::AuditLog::Append(conn, now, "staff.locked",
                                          boost::json::object{{"role", ToString(account->role)}}));
    } else {
      OPTIN_TRY(
          conn.Execute("UPDATE staff SET failed_logins = ? WHERE id = ?", failures, account->id));
    }
    attempt.refusal = WrongCredentials(policy_);
    return attempt;
  }

  OPTIN_TRY(conn.Execute("UPDATE staff SET failed_logins = 0, locked_until = NULL WHERE id = ?",
                         account->id));
  StaffLogin login;
  login.token = std::string(kTokenPrefix) + platform::Base64UrlEncode(random_.Bytes(kTokenBytes));
  login.session.staff = StaffMember{account->id, account->role};
  login.session.session_key = TokenHash(login.token);
  login.session.expires_at = now + policy_.shift_length.count();
  OPTIN_TRY(conn.Execute(
      "INSERT INTO staff_sessions(token_hash, staff_id, created_at, expires_at, ended_at) "
      "VALUES (?, ?, ?, ?, NULL)",
      store::Blob{login.session.session_key}, account->id, now, login.session.expires_at));
  OPTIN_TRY(privacy::AuditLog::Append(conn, now, "staff.logged_in",
                                      boost::json::object{{"role", ToString(account->role)}}));
  attempt.login = std::move(login);
  return attempt;
}

Result<LoginAttempt> StaffSessions::Login(store::Connection& conn, std::string_view staff_id,
                                          std::string_view pin, std::string_view client_key) const {
  if (auto s = CheckClient(client_key); !s) {
    LoginAttempt attempt;
    attempt.refusal = s.error();
    return attempt;
  }
  OPTIN_ASSIGN_OR_RETURN(PinCheck check, CheckPin(conn, staff_id, pin));
  return CompleteLogin(conn, check, client_key);
}

Result<StaffSession> StaffSessions::Authenticate(store::Connection& conn,
                                                 std::string_view token) const {
  if (!token.starts_with(kTokenPrefix) || token.size() > 64) return InvalidToken();
  auto raw = platform::Base64UrlDecode(token.substr(kTokenPrefix.size()));
  if (!raw || raw->size() != kTokenBytes) return InvalidToken();
  const std::string hash = TokenHash(token);
  OPTIN_ASSIGN_OR_RETURN(
      auto stmt,
      conn.Prepare("SELECT s.token_hash, s.staff_id, st.role, s.expires_at "
                   "FROM staff_sessions s JOIN staff st ON st.id = s.staff_id "
                   "WHERE s.token_hash = ? AND s.ended_at IS NULL AND s.expires_at > ?"));
  stmt.BindAll(store::Blob{hash}, clock_.NowUnix());
  OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row || !platform::ConstantTimeEquals(stmt.ColumnBlob(0), hash)) return InvalidToken();
  StaffSession session;
  session.session_key = hash;
  session.staff.id = stmt.ColumnText(1);
  session.staff.role = ParseStaffRole(stmt.ColumnText(2)).value_or(StaffRole::kAssociate);
  session.expires_at = stmt.ColumnInt(3);
  return session;
}

Status StaffSessions::Logout(store::Connection& conn, std::string_view token) const {
  OPTIN_ASSIGN_OR_RETURN(StaffSession session, Authenticate(conn, token));
  OPTIN_TRY(conn.Execute("UPDATE staff_sessions SET ended_at = ? WHERE token_hash = ?",
                         clock_.NowUnix(), store::Blob{session.session_key}));
  return Ok();
}

Result<int64_t> StaffSessions::Purge(store::Connection& conn) const {
  return conn.Execute("DELETE FROM staff_sessions WHERE ended_at IS NOT NULL OR expires_at <= ?",
                      clock_.NowUnix());
}

}  // namespace optin::assist
