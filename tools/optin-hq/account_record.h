// HQ accounts as stored: a user (id, role, password hash, the persisted count of consecutive
// failed logins and the lock's end) and a session (the token's hash, whose it is, until when).
// Value types; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace optin::hq {

struct UserRecord {
  std::string user_id;
  std::string role;           // "analyst" or "admin"
  std::string password_hash;  // password_hash.h's form
  int64_t failed_logins = 0;  // consecutive, reset by a successful login
  int64_t locked_until = 0;   // Unix seconds; 0: not locked
  int64_t created_at = 0;
};

struct SessionRecord {
  std::string token_hash;  // session_token.h's stored form
  std::string user_id;
  std::string role;  // the user's role (joined when read)
  int64_t created_at = 0;
  int64_t expires_at = 0;
};

// What a login changes, written in one transaction: the user's failure count and lock, and on
// success a new session.
struct LoginOutcome {
  std::string user_id;
  int64_t failed_logins = 0;
  int64_t locked_until = 0;
  std::optional<SessionRecord> session;
};

}  // namespace optin::hq
