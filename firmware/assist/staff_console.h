// The staff console's prompt use cases (GET /v1/staff/prompts, POST
// /v1/staff/prompts/{id}/claim and /resolve), by plain values: the staff member found by their
// session token (StaffSessions::Authenticate), then the live queue, a claim or a resolution
// (HelpDesk). A prompt id that is not one of ours ("h_...", at most 64 characters) is no
// prompt. Each call runs inside one write job (a first view is recorded and audited too); the
// HTTP routes only translate. Immutable; thread-safe.
#pragma once

#include <string_view>
#include <vector>

#include "assist/help_desk.h"
#include "assist/staff_sessions.h"
#include "platform/error.h"
#include "store/connection.h"

namespace optin::assist {

class StaffConsole {
 public:
  StaffConsole(const StaffSessions& sessions, const HelpDesk& desk)
      : sessions_(sessions), desk_(desk) {}

  // The live queue for the staff member of `token`, longest waiting first. Refusals:
  // Authenticate's (kUnauthenticated).
  Result<std::vector<Prompt>> Queue(store::Connection& conn, std::string_view token) const;

  // Claims prompt `id` for the staff member of `token`. Refusals: Authenticate's first, then
  // kNotFound ("prompt-not-found") for an id that is not a prompt's, then HelpDesk::Claim's.
  Result<ClaimResult> Claim(store::Connection& conn, std::string_view token,
                            std::string_view id) const;

  // Resolves prompt `id` as the staff member of `token`. Refusals as for Claim, then
  // HelpDesk::Resolve's.
  Result<Prompt> Resolve(store::Connection& conn, std::string_view token,
                         std::string_view id) const;

 private:
  const StaffSessions& sessions_;
  const HelpDesk& desk_;
};

}  // namespace optin::assist
