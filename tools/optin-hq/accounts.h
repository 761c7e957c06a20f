// HQ's people: accounts with a role (analyst: may read figures; admin: may also publish bundles
// and manage accounts), password logins with a limit, and sessions. A login checks the password
// (PBKDF2, slow: call it off the network threads), then records the outcome in one transaction:
// on success a new session ("hq_" token, only its hash stored) and the failure count reset; on
// failure the persisted count of consecutive failures, which locks the account for `lockout`
// after `max_failures`. Refusals never say whether the user exists or is locked: an unknown id,
// a wrong password and a locked account get the same answer after the same PBKDF2 work.
// Thread-safe when the HqStore and Random are (they are: see hq_store.h, platform/random.h).
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "platform/clock.h"
#include "platform/error.h"
#include "platform/random.h"
#include "tools/optin-hq/hq_store.h"
#include "tools/optin-hq/password_hash.h"

namespace optin::hq {

enum class Role { kAnalyst, kAdmin };
std::string_view RoleName(Role role);
// "analyst" or "admin"; kInvalidArgument (field "role") otherwise.
Result<Role> ParseRole(std::string_view name);

struct AccountPolicy {
  unsigned pbkdf2_iterations = kDefaultPbkdf2Iterations;
  int64_t max_failures = 5;  // consecutive wrong passwords before the account locks
  std::chrono::seconds lockout = std::chrono::minutes(15);
  std::chrono::seconds session_length = std::chrono::hours(8);
};

struct Session {
  std::string user_id;
  Role role = Role::kAnalyst;
  int64_t expires_at = 0;  // Unix seconds
};

struct Login {
  std::string token;  // for the session cookie, handed out once
  Session session;
};

class Accounts {
 public:
  Accounts(HqStore& store, const platform::Clock& clock, platform::Random& random,
           AccountPolicy policy = {});

  // Adds a user (`optin-hq user add --id ID --role R`, the password read from stdin).
  // kInvalidArgument naming "id" or "password"; kConflict ("user-exists").
  Status AddUser(std::string_view user_id, Role role, std::string_view password);

  // kUnauthenticated ("login-failed") for an unknown user, a wrong password or a locked
  // account alike.
  Result<Login> LogIn(std::string_view user_id, std::string_view password);
  // The session a cookie's token opens; kUnauthenticated ("session-invalid") when unknown or
  // expired.
  Result<Session> Authenticate(std::string_view token);
  Status LogOut(std::string_view token);

 private:
  // A hash with the policy's work factor that no password matches, verified for unknown users
  // so that they take as long as known ones.
  const std::string& DecoyHash();

  HqStore& store_;
  const platform::Clock& clock_;
  platform::Random& random_;
  const AccountPolicy policy_;
  std::once_flag decoy_once_;
  std::string decoy_hash_;  // set once under decoy_once_
};

}  // namespace optin::hq
