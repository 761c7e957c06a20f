#include "api/caller.h"

#include <utility>

namespace optin::api {

Result<std::string_view> BearerToken(const net::Request& request) {
  std::string_view auth = request.Header("authorization");
  if (auth.empty()) {
    return Fail(ErrorCode::kUnauthenticated,
                "Send your app token or visit token as 'Authorization: Bearer <token>'.", {},
                "missing-token");
  }
  constexpr std::string_view kScheme = "Bearer ";
  if (auth.size() <= kScheme.size() || !auth.starts_with(kScheme)) {
    return Fail(ErrorCode::kUnauthenticated, "The Authorization header must use the Bearer scheme.",
                {}, "missing-token");
  }
  std::string_view token = auth.substr(kScheme.size());
  // A staff session's token ("st_...") is not a shopper's: say so rather than failing to
  // parse it as an app token.
  if (token.starts_with("st_")) {
    return Fail(ErrorCode::kUnauthenticated,
                "This is a staff session: its token works on the staff console's routes "
                "(/v1/staff/...) only. Shopper routes take an app token or a visit token.",
                {}, "staff-session");
  }
  return token;
}

Result<Caller> Identify(const net::Request& request, const visits::AppTokenVerifier& tokens,
                        const privacy::Pseudonymizer& pseudonymizer) {
  OPTIN_ASSIGN_OR_RETURN(std::string_view token, BearerToken(request));
  Caller caller;
  if (token.starts_with("vt_")) {
    caller.visit_token = std::string(token);
    return caller;
  }
  OPTIN_ASSIGN_OR_RETURN(visits::AppTokenClaims claims, tokens.Verify(token));
  caller.subject_id = pseudonymizer.SubjectId(claims.issuer, claims.subject);
  claims.subject.clear();  // the raw id goes no further
  caller.claims = std::move(claims);
  return caller;
}

}  // namespace optin::api
