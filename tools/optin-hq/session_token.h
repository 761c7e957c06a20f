// HQ session tokens: "hq_" + base64url(32 random bytes), handed to the browser once (in the
// session cookie) and stored only as the hex SHA-256 of the token, so that a copy of the
// database opens no session. Pure functions apart from the Random passed in; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "platform/error.h"
#include "platform/random.h"

namespace optin::hq {

struct SessionToken {
  std::string token;  // for the cookie; never stored, never logged
  std::string hash;   // for the database
};

Result<SessionToken> NewSessionToken(platform::Random& random);
// The stored form of a presented token (any text: unknown tokens simply match nothing).
std::string SessionTokenHash(std::string_view token);

}  // namespace optin::hq
