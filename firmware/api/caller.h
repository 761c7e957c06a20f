// Who is calling: shopper calls carry either the HQ-signed app token (a JWT) or the visit token
// handed out at check-in, as "Authorization: Bearer ...". Identify() runs on the network thread
// (CPU only); the use cases find the shopper from it inside their database job
// (visits::FindShopper over a visits::ShopperRef).
// Stateless functions; thread-safe.
#pragma once

#include <optional>
#include <string>

#include "net/http_message.h"
#include "platform/error.h"
#include "privacy/pseudonymizer.h"
#include "visits/app_token_verifier.h"
#include "visits/visit_service.h"

namespace optin::api {

struct Caller {
  std::optional<std::string> subject_id;   // from a verified app token
  std::optional<std::string> visit_token;  // to be looked up
  std::optional<visits::AppTokenClaims> claims;
};

// The bearer token from the Authorization header, or kUnauthenticated ("missing-token", or
// "staff-session" for a staff console's token).
Result<std::string_view> BearerToken(const net::Request& request);

Result<Caller> Identify(const net::Request& request, const visits::AppTokenVerifier& tokens,
                        const privacy::Pseudonymizer& pseudonymizer);

}  // namespace optin::api
