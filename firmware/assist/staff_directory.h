// Staff accounts (`optinctl staff add|remove|reset-pin|list`): a login id, a role (associate or
// manager) and a PIN of 4 to 12 digits stored as PBKDF2-HMAC-SHA256 with a per-account random
// salt. PIN checks compare in constant time and take the same work for unknown ids, so timing
// does not tell whether an id exists. Immutable after construction; methods run inside database
// jobs; thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "assist/staff_member.h"
#include "platform/clock.h"
#include "platform/error.h"
#include "platform/random.h"
#include "store/connection.h"

namespace optin::assist {

struct StaffAccount {
  std::string id;
  StaffRole role = StaffRole::kAssociate;
  int64_t failed_logins = 0;
  std::optional<int64_t> locked_until;
  int64_t created_at = 0;
  bool locked(int64_t now) const { return locked_until && *locked_until > now; }
};

// The outcome of checking a PIN (the slow part of a login, done outside the writer).
struct PinCheck {
  std::optional<StaffAccount> account;  // nothing when the id is unknown
  bool matches = false;
  std::string pin_hash;  // the stored hash it was checked against (to detect a reset since)
};

class StaffDirectory {
 public:
  // PBKDF2 iterations for new PINs: measured at about 85 ms per check on the 2-core reference
  // box (43 ms at 50k, 127 ms at 150k), under the ~100 ms a login may take. Stored per
  // account, so it can be raised later without invalidating existing PINs.
  static constexpr unsigned kPinIterations = 100'000;
  static constexpr size_t kSaltBytes = 16;
  static constexpr size_t kHashBytes = 32;

  StaffDirectory(const platform::Clock& clock, platform::Random& random,
                 unsigned pin_iterations = kPinIterations);

  // 2 to 32 characters: letters, digits, '.', '_', '-'. Errors name `field`.
  static Status CheckStaffId(std::string_view id, std::string_view field = "/staff_id");
  // 4 to 12 ASCII digits.
  static Status CheckPin(std::string_view pin, std::string_view field = "/pin");

  // kConflict ("staff-exists") when the id is taken.
  Status Add(store::Connection& conn, std::string_view id, StaffRole role,
             std::string_view pin) const;
  // kNotFound ("staff-not-found"). Ends the account's sessions.
  Status Remove(store::Connection& conn, std::string_view id) const;
  // New salt and hash, unlocks the account, ends its sessions. kNotFound when unknown.
  Status ResetPin(store::Connection& conn, std::string_view id, std::string_view pin) const;
  Result<std::vector<StaffAccount>> List(store::Connection& conn) const;
  Result<std::optional<StaffAccount>> Find(store::Connection& conn, std::string_view id) const;

  // Reads the account and checks the PIN (CPU-heavy: run it on a reader, not the writer).
  Result<PinCheck> CheckPinFor(store::Connection& conn, std::string_view id,
                               std::string_view pin) const;

  // The stored form of a PIN (exposed for tests).
  static Result<std::string> HashPin(std::string_view pin, std::string_view salt,
                                     unsigned iterations);

  unsigned pin_iterations() const { return pin_iterations_; }
  // PBKDF2 iterations spent by CheckPinFor so far, summed over every check: the work a login
  // costs, read by tests to show that a known id, an unknown id and a locked account cost the
  // same (a seam that does not depend on wall-clock time).
  uint64_t pin_work_done() const { return pin_work_.load(std::memory_order_relaxed); }

 private:
  const platform::Clock& clock_;
  platform::Random& random_;
  const unsigned pin_iterations_;
  const std::string dummy_salt_;  // for unknown ids: the same work, never a match
  mutable std::atomic<uint64_t> pin_work_{0};
};

}  // namespace optin::assist
