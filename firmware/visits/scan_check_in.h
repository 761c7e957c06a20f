// Check-in by loyalty scan at the kiosk: the loyalty QR carries a short-lived JWT signed ES256
// by HQ (sub, aud = this store, exp, jti, and the purposes the shopper chose in the app). A scan
// is verified offline (AppTokenVerifier), its jti is consumed (replays refused by
// VisitService::CheckIn) and the shopper is checked in with exactly the claimed purposes:
// listed -> granted, every other non-presence purpose -> withdrawn, with a signed receipt, on
// channel "loyalty_scan". No presence code: the kiosk's scanner itself proves presence.
// ScanCheckIn is immutable; thread-safe (Submit from any thread).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/error.h"
#include "privacy/pseudonymizer.h"
#include "store/database.h"
#include "visits/app_token_verifier.h"
#include "visits/visit_service.h"

namespace optin::visits {

inline constexpr std::string_view kLoyaltyScanChannel = "loyalty_scan";

// True when `text` has the shape of a compact JWS (three base64url parts, the first starting
// with "eyJ", a bounded length). Anything else is not a loyalty code and is never verified.
bool LooksLikeJwt(std::string_view text);

// The check-in request for verified claims: the subject pseudonymized at once, the jti to
// consume, and the decisions "exactly these purposes": each purpose named in the `purposes`
// claim granted, every other non-presence purpose withdrawn (no claim: none granted).
// kUnauthenticated ("token-claims") when the claim names an unknown purpose.
Result<CheckInRequest> ScanCheckInRequest(const AppTokenClaims& claims,
                                          const privacy::Pseudonymizer& pseudonymizer,
                                          std::string_view channel = kLoyaltyScanChannel);

// What the kiosk (indicator LED, later the kiosk page) learns about a scan. Carries no loyalty
// id, token or subject: only the visit's random friendly pseudonym.
struct ScanCheckInResult {
  bool accepted = false;
  std::string reason;                 // "checked-in", or a refusal slug ("token-expired", ...)
  std::string visit_pseudonym;        // when accepted
  std::vector<std::string> purposes;  // purposes in force after the check-in, when accepted
};

class ScanCheckIn {
 public:
  ScanCheckIn(store::Database& db, const AppTokenVerifier& tokens,
              const privacy::Pseudonymizer& pseudonymizer, const VisitService& visits);

  // Checks the shopper in from one scan's text. `done` runs exactly once: at once on the
  // caller's thread when the scan is refused before any write (not a loyalty code, forged,
  // expired, another store's), otherwise on the database writer's thread after the check-in
  // is durable or refused (replay, database error).
  void Submit(std::string_view scan_text, std::function<void(ScanCheckInResult)> done) const;

 private:
  store::Database& db_;
  const AppTokenVerifier& tokens_;
  const privacy::Pseudonymizer& pseudonymizer_;
  const VisitService& visits_;
};

}  // namespace optin::visits
