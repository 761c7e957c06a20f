// Staff log-in and sessions. A login checks the PIN (PBKDF2, slow: CheckPin runs on a reader),
// then CompleteLogin records the outcome in a write job: on success an opaque token
// "st_" + base64url(32 random bytes) valid until the end of the shift, stored only as a keyed
// hash; on failure a persisted per-account count that locks the account after max_failures,
// and an in-memory per-client count. Refusals never say whether the staff id exists or is
// locked: an unknown id, a wrong PIN and a locked account get one answer after the same PIN
// work and one audit write.
// Immutable apart from the client limiter (thread-safe); methods run inside database jobs.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "assist/staff_directory.h"
#include "assist/staff_member.h"
#include "platform/client_login_limiter.h"
#include "platform/clock.h"
#include "platform/error.h"
#include "platform/random.h"
#include "privacy/pseudonymizer.h"
#include "store/connection.h"

namespace optin::assist {

struct StaffSessionPolicy {
  std::chrono::seconds shift_length = std::chrono::hours(10);
  int64_t max_failures = 5;  // consecutive wrong PINs before the account locks
  std::chrono::seconds lockout = std::chrono::minutes(15);
  int64_t client_max_failures = 20;  // failed logins per client per window
  std::chrono::seconds client_window = std::chrono::minutes(15);
  size_t max_clients = 4096;
};

struct StaffLogin {
  std::string token;  // handed to the console once; only its hash is kept
  StaffSession session;
};

// The outcome of a login attempt. A refusal is a committed outcome (the failure counts must
// persist), so it is a value here rather than a failed write job.
struct LoginAttempt {
  std::optional<StaffLogin> login;
  std::optional<Error> refusal;  // "staff-login-failed" or "rate-limited"
};

class StaffSessions {
 public:
  StaffSessions(const platform::Clock& clock, platform::Random& random,
                const privacy::Pseudonymizer& pseudonymizer, const StaffDirectory& directory,
                StaffSessionPolicy policy);

  // On the network thread, before any work: kResourceExhausted ("rate-limited", HTTP 429) when
  // this client failed too often recently.
  Status CheckClient(std::string_view client_key) const;
  // After CheckClient refused `client_key`: how long until it may try again (the 429's
  // Retry-After; its detail states the same time in minutes, rounded up).
  std::chrono::seconds ClientRetryAfter(std::string_view client_key) const {
    return clients_.RetryAfter(client_key);
  }
  // Step 1 (read job): the slow PIN check.
  Result<PinCheck> CheckPin(store::Connection& conn, std::string_view staff_id,
                            std::string_view pin) const;
  // Step 2 (write job): records the outcome and starts the session.
  Result<LoginAttempt> CompleteLogin(store::Connection& conn, const PinCheck& check,
                                     std::string_view client_key) const;
  // Both steps in one job (tests, tools).
  Result<LoginAttempt> Login(store::Connection& conn, std::string_view staff_id,
                             std::string_view pin, std::string_view client_key) const;

  // The session for a bearer token, or kUnauthenticated ("staff-token-invalid") when it is
  // malformed, forged, logged out, expired or its account was removed or its PIN reset.
  Result<StaffSession> Authenticate(store::Connection& conn, std::string_view token) const;
  // Ends the session (idempotent for an ended one); kUnauthenticated as above otherwise.
  Status Logout(store::Connection& conn, std::string_view token) const;
  // Retention: deletes sessions that ended or expired. Returns how many.
  Result<int64_t> Purge(store::Connection& conn) const;

  const StaffSessionPolicy& policy() const { return policy_; }

 private:
  std::string TokenHash(std::string_view token) const;

  const platform::Clock& clock_;
  platform::Random& random_;
  const privacy::Pseudonymizer& pseudonymizer_;
  const StaffDirectory& directory_;
  const StaffSessionPolicy policy_;
  mutable platform::ClientLoginLimiter clients_;
};

}  // namespace optin::assist
