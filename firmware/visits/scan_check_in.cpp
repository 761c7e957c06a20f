#include "visits/scan_check_in.h"

#include <algorithm>
#include <memory>

namespace optin::visits {
namespace {

constexpr size_t kMaxTokenLength = 4096;

bool IsBase64Url(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

ScanCheckInResult Refused(std::string reason) {
  ScanCheckInResult r;
  r.reason = reason.empty() ? "refused" : std::move(reason);
  return r;
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

Result<CheckInRequest> ScanCheckInRequest(const AppTokenClaims& claims,
                                          const privacy::Pseudonymizer& pseudonymizer,
                                          std::string_view channel) {
  std::vector<consent::Purpose> chosen;
  if (claims.purposes) {
    for (const std::string& id : *claims.purposes) {
      auto purpose = consent::ParsePurpose(id);
      if (!purpose) {
        return Fail(ErrorCode::kUnauthenticated, "The token names an unknown purpose.", {},
                    "token-claims");
      }
      chosen.push_back(*purpose);
    }
  }
  CheckInRequest req;
  req.subject_id = pseudonymizer.SubjectId(claims.issuer, claims.subject);
  req.token_id = claims.token_id;
  req.token_expires_at = claims.expires_at;
  req.channel = std::string(channel);
  // Exactly the chosen purposes: presence comes with checking in, the rest are decided now.
  for (consent::Purpose p : consent::kAllPurposes) {
    if (p == consent::Purpose::kPresence) continue;
    const bool granted = std::find(chosen.begin(), chosen.end(), p) != chosen.end();
    req.decisions.push_back({p, granted});
  }
  return req;
}

ScanCheckIn::ScanCheckIn(store::Database& db, const AppTokenVerifier& tokens,
                         const privacy::Pseudonymizer& pseudonymizer, const VisitService& visits)
    : db_(db), tokens_(tokens), pseudonymizer_(pseudonymizer), visits_(visits) {}

void ScanCheckIn::Submit(std::string_view scan_text,
                         std::function<void(ScanCheckInResult)> done) const {
  if (!LooksLikeJwt(scan_text)) return done(Refused("not-a-loyalty-code"));
  auto claims = tokens_.Verify(scan_text);
  if (!claims) return done(Refused(claims.error().reason));
  auto request = ScanCheckInRequest(*claims, pseudonymizer_);
  if (!request) return done(Refused(request.error().reason));

  db_.Write<CheckInResult>([this, req = std::move(*request)](
                               store::Connection& conn) { return visits_.CheckIn(conn, req); },
                           [done = std::move(done)](Result<CheckInResult> r) {
                             if (!r) return done(Refused(r.error().reason));
                             ScanCheckInResult out;
                             out.accepted = true;
                             out.reason = "checked-in";
                             out.visit_pseudonym = r->visit.pseudonym;
                             for (const consent::PurposeStatus& s : r->receipt.purposes) {
                               if (s.in_force())
                                 out.purposes.emplace_back(consent::ToString(s.purpose));
                             }
                             done(std::move(out));
                           });
}

}  // namespace optin::visits
