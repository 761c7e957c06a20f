#include "tools/optin-hq/accounts.h"

#include <algorithm>

#include "tools/optin-hq/session_token.h"

namespace optin::hq {
namespace {

std::unexpected<Error> LoginFailed() {
  return Fail(ErrorCode::kUnauthenticated, "wrong user id or password, or the account is locked",
              "", "login-failed");
}

bool ValidUserId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
}

}  // namespace

std::string_view RoleName(Role role) { return role == Role::kAdmin ? "admin" : "analyst"; }

Result<Role> ParseRole(std::string_view name) {
  if (name == "analyst") return Role::kAnalyst;
  if (name == "admin") return Role::kAdmin;
  return Fail(ErrorCode::kInvalidArgument,
              "role '" + std::string(name) + "' is not analyst or admin", "role", "invalid-role");
}

Accounts::Accounts(HqStore& store, const platform::Clock& clock, platform::Random& random,
                   AccountPolicy policy)
    : store_(store), clock_(clock), random_(random), policy_(policy) {}

const std::string& Accounts::DecoyHash() {
  std::call_once(decoy_once_, [this] {
    decoy_hash_ = HashPassword(random_.Bytes(32), policy_.pbkdf2_iterations, random_).value_or("");
  });
  return decoy_hash_;
}

Status Accounts::AddUser(std::string_view user_id, Role role, std::string_view password) {
  if (!ValidUserId(user_id)) {
    return Fail(ErrorCode::kInvalidArgument,
                "a user id is 1-64 lowercase letters, digits, '.', '_' or '-'", "id",
                "invalid-user-id");
  }
  OPTIN_TRY(CheckPasswordPolicy(password));
  OPTIN_ASSIGN_OR_RETURN(std::string hash,
                         HashPassword(password, policy_.pbkdf2_iterations, random_));
  return store_.AddUser(UserRecord{std::string(user_id), std::string(RoleName(role)),
                                   std::move(hash), 0, 0, clock_.NowUnix()});
}

Result<Login> Accounts::LogIn(std::string_view user_id, std::string_view password) {
  OPTIN_ASSIGN_OR_RETURN(std::optional<UserRecord> user, store_.FindUser(user_id));
  if (!user) {
    (void)VerifyPassword(DecoyHash(), password);  // the same work as for a known user
    return LoginFailed();
  }
  const int64_t now = clock_.NowUnix();
  const bool locked = user->locked_until > now;
  const bool matches = VerifyPassword(user->password_hash, password);
  LoginOutcome outcome{user->user_id, user->failed_logins, user->locked_until, std::nullopt};
  if (locked) return LoginFailed();  // a locked account's count stays as it is
  if (!matches) {
    outcome.failed_logins = user->failed_logins + 1;
    if (outcome.failed_logins >= policy_.max_failures) {
      outcome.failed_logins = 0;
      outcome.locked_until = now + policy_.lockout.count();
    }
    OPTIN_TRY(store_.RecordLogin(outcome));
    return LoginFailed();
  }
  OPTIN_ASSIGN_OR_RETURN(Role role, ParseRole(user->role));
  OPTIN_ASSIGN_OR_RETURN(SessionToken token, NewSessionToken(random_));
  const int64_t expires = now + policy_.session_length.count();
  outcome.failed_logins = 0;
  outcome.locked_until = 0;
  outcome.session = SessionRecord{token.hash, user->user_id, user->role, now, expires};
  OPTIN_TRY(store_.RecordLogin(outcome));
  return Login{std::move(token.token), Session{user->user_id, role, expires}};
}

Result<Session> Accounts::Authenticate(std::string_view token) {
  auto invalid = [] {
    return Fail(ErrorCode::kUnauthenticated, "no valid session: log in again", "",
                "session-invalid");
  };
  if (!token.starts_with("hq_")) return invalid();
  OPTIN_ASSIGN_OR_RETURN(std::optional<SessionRecord> s,
                         store_.FindSession(SessionTokenHash(token)));
  if (!s || s->expires_at <= clock_.NowUnix()) return invalid();
  OPTIN_ASSIGN_OR_RETURN(Role role, ParseRole(s->role));
  return Session{s->user_id, role, s->expires_at};
}

Status Accounts::LogOut(std::string_view token) {
  return store_.DeleteSession(SessionTokenHash(token));
}

}  // namespace optin::hq
