// The check-in use case, the one door for every way a shopper checks in: a credential (the
// app's token, a loyalty token read by a scanner, or none for the shop's anonymous web page), a
// proof of presence (the entrance's rotating code, or the scan itself at the store's scanner)
// and the shopper's decisions, all plain values. The desk verifies the token offline, checks
// presence, settles the decisions, pseudonymizes the subject at once and submits one durable
// write (VisitService::CheckIn). The HTTP route and the scanner path only translate to and from
// it. Immutable; thread-safe (Submit from any thread).
#pragma once

#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "consent/purpose.h"
#include "platform/error.h"
#include "privacy/pseudonymizer.h"
#include "store/database.h"
#include "visits/app_token_verifier.h"
#include "visits/presence_code.h"
#include "visits/visit_service.h"

namespace optin::visits {

inline constexpr std::string_view kLoyaltyScanChannel = "loyalty_scan";

// Who checks in. AppToken: the compact JWT the app sent as its bearer token. LoyaltyScan: the
// text a scanner read (it must look like a JWT to be verified at all). Anonymous: the shop's web
// page, no account: the visit gets a random subject of its own.
struct AppToken {
  std::string compact;
};
struct LoyaltyScan {
  std::string text;
};
struct Anonymous {};
using Credential = std::variant<Anonymous, AppToken, LoyaltyScan>;

// Why we believe the shopper is in the store now. PresenceCodeShown: the code of the QR at the
// entrance (app and web check-ins). ScannedHere: the loyalty code was read by the store's own
// scanner (named by the configuration), which is there.
struct PresenceCodeShown {
  std::string code;
};
struct ScannedHere {
  std::string scanner;
};
using PresenceProof = std::variant<PresenceCodeShown, ScannedHere>;

struct CheckInInput {
  Credential credential{};
  PresenceProof presence{};
  // What the shopper decided now (presence is implied). For an app token, empty means "the
  // purposes the token carries, granted". A loyalty scan always decides every purpose: exactly
  // the token's purposes granted, the others withdrawn; decisions given with it are refused.
  std::vector<consent::ConsentChange> decisions{};
  std::string language{};  // the notice's language the shopper read (empty: the store default)
};

// True when `text` has the shape of a compact JWS (three base64url parts, the first starting
// with "eyJ", a bounded length). Anything else is not a loyalty code and is never verified.
bool LooksLikeJwt(std::string_view text);

struct CheckInDeskPolicy {
  // Earlier 30-s presence codes the anonymous web check-in still accepts (the page may sit on
  // the privacy notice for a while after the scan); app check-ins accept one.
  int64_t web_code_previous_steps = 1;
};

class CheckInDesk {
 public:
  CheckInDesk(store::Database& db, const AppTokenVerifier& tokens, const PresenceCode& presence,
              const privacy::Pseudonymizer& pseudonymizer, const VisitService& visits,
              CheckInDeskPolicy policy = {});

  // Everything before the write: the verified credential, presence, the decisions and the
  // pseudonymized subject, as the request VisitService::CheckIn records. Refusals, in this
  // order: the token's (AppTokenVerifier's reasons; "not-a-loyalty-code" for scanned text that
  // is no JWT), kPermissionDenied "presence-code-invalid" at /presence_code, kUnauthenticated
  // "token-claims" for a purpose the token names that does not exist, kFailedPrecondition
  // "purpose-needs-app" for history on an anonymous web visit; kInvalidArgument for a proof or
  // decisions that do not go with the credential.
  Result<CheckInRequest> Prepare(const CheckInInput& input) const;

  // Prepares, then checks the shopper in with one durable write. `done` runs exactly once: at
  // once on the caller's thread when Prepare refuses, otherwise on the database writer's thread
  // once the check-in is durable or refused (replayed token, database error). Callers hand the
  // result to their own thread before doing more than moving it.
  void Submit(CheckInInput input, std::function<void(Result<CheckInResult>)> done) const;

 private:
  store::Database& db_;
  const AppTokenVerifier& tokens_;
  const PresenceCode& presence_;
  const privacy::Pseudonymizer& pseudonymizer_;
  const VisitService& visits_;
  CheckInDeskPolicy policy_;
};

}  // namespace optin::visits
