#include "visits/check_in_desk.h"

#include <algorithm>
#include <optional>
#include <utility>

namespace optin::visits {
namespace {

constexpr size_t kMaxTokenLength = 4096;

bool IsBase64Url(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

Error UnknownPurposeInToken() {
  return Error{
      ErrorCode::kUnauthenticated, "The token names an unknown purpose.", {}, "token-claims"};
}

// The token's purposes, each once, in the order named.
Result<std::vector<consent::Purpose>> ClaimedPurposes(const AppTokenClaims& claims) {
  std::vector<consent::Purpose> out;
  if (!claims.purposes) return out;
  for (const std::string& id : *claims.purposes) {
    auto purpose = consent::ParsePurpose(id);
    if (!purpose) return std::unexpected(UnknownPurposeInToken());
    if (std::find(out.begin(), out.end(), *purpose) == out.end()) out.push_back(*purpose);
  }
  return out;
}

}  // namespace

bool LooksLikeJwt(std::string_view text) {
  if (text.size() < 16 || text.size() > kMaxTokenLength || !text.starts_with("eyJ")) return false;
  int dots = 0;
  size_t part = 0;
  for (char c : text) {
    if (c == '.') {
      if (part == 0) return false;
      ++dots;
      part = 0;
    } else if (IsBase64Url(c)) {
      ++part;
    } else {
      return false;
    }
  }
  return dots == 2 && part > 0;
}

CheckInDesk::CheckInDesk(store::Database& db, const AppTokenVerifier& tokens,
                         const PresenceCode& presence, const privacy::Pseudonymizer& pseudonymizer,
                         const VisitService& visits, CheckInDeskPolicy policy)
    : db_(db),
      tokens_(tokens),
      presence_(presence),
      pseudonymizer_(pseudonymizer),
      visits_(visits),
      policy_(policy) {}

Result<CheckInRequest> CheckInDesk::Prepare(const CheckInInput& input) const {
  const bool anonymous = std::holds_alternative<Anonymous>(input.credential);
  const auto* scan = std::get_if<LoyaltyScan>(&input.credential);
  const auto* code = std::get_if<PresenceCodeShown>(&input.presence);
  if ((scan != nullptr) != (code == nullptr)) {
    return Fail(ErrorCode::kInvalidArgument,
                scan != nullptr ? "A loyalty scan proves presence by the store's scanner."
                                : "A check-in without a scan needs the store's presence code.",
                {}, "presence-proof-mismatch");
  }
  if (scan != nullptr && !input.decisions.empty()) {
    return Fail(ErrorCode::kInvalidArgument,
                "A loyalty scan checks in with exactly the purposes its token carries.", {},
                "decisions-not-allowed");
  }

  // 1. The credential, verified offline.
  std::optional<AppTokenClaims> claims;
  if (const auto* app = std::get_if<AppToken>(&input.credential)) {
    OPTIN_ASSIGN_OR_RETURN(claims, tokens_.Verify(app->compact));
  } else if (scan != nullptr) {
    if (!LooksLikeJwt(scan->text)) {
      return Fail(ErrorCode::kInvalidArgument, "The scanned code is not a loyalty code.", {},
                  "not-a-loyalty-code");
    }
    OPTIN_ASSIGN_OR_RETURN(claims, tokens_.Verify(scan->text));
  }

  // 2. Presence: the entrance's code (the web page may take longer to send it), or the scan.
  if (code != nullptr &&
      !presence_.Accepts(code->code, anonymous ? policy_.web_code_previous_steps : 1)) {
    return Fail(ErrorCode::kPermissionDenied,
                "The presence code is not this store's current code. Scan the QR code at the "
                "entrance again.",
                "/presence_code", "presence-code-invalid");
  }

  // 3. The decisions, as values.
  CheckInRequest req;
  req.language = input.language;
  if (scan != nullptr) {
    // Exactly the chosen purposes: presence comes with checking in, the rest are decided now.
    OPTIN_ASSIGN_OR_RETURN(auto chosen, ClaimedPurposes(*claims));
    for (consent::Purpose p : consent::kAllPurposes) {
      if (p == consent::Purpose::kPresence) continue;
      const bool granted = std::find(chosen.begin(), chosen.end(), p) != chosen.end();
      req.decisions.push_back({p, granted});
    }
    req.channel = std::string(kLoyaltyScanChannel);
  } else if (claims) {
    // A token may carry the purposes the shopper chose in the app; decisions given now win.
    req.decisions = input.decisions;
    if (req.decisions.empty()) {
      OPTIN_ASSIGN_OR_RETURN(auto chosen, ClaimedPurposes(*claims));
      for (consent::Purpose p : chosen) req.decisions.push_back({p, true});
    }
    req.channel = "app";
  } else {
    req.decisions = input.decisions;
    req.channel = "web";  // the visit service gives it a random subject of its own
  }
  // History needs the app: an anonymous web visit cannot be remembered for a later one.
  OPTIN_TRY(VisitService::CheckDecisionsForChannel(req.channel, req.decisions));

  // 4. The subject, pseudonymized at once; the raw id goes no further.
  if (claims) {
    req.subject_id = pseudonymizer_.SubjectId(claims->issuer, claims->subject);
    req.token_id = claims->token_id;
    req.token_expires_at = claims->expires_at;
  }
  return req;
}

void CheckInDesk::Submit(CheckInInput input,
                         std::function<void(Result<CheckInResult>)> done) const {
  auto request = Prepare(input);
  if (!request) return done(std::unexpected(std::move(request.error())));
  db_.Write<CheckInResult>([this, req = std::move(*request)](
                               store::Connection& conn) { return visits_.CheckIn(conn, req); },
                           std::move(done));
}

}  // namespace optin::visits
