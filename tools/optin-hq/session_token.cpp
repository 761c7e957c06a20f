#include "tools/optin-hq/session_token.h"

#include "platform/crypto.h"
#include "platform/encoding.h"

namespace optin::hq {

Result<SessionToken> NewSessionToken(platform::Random& random) {
  std::string bytes(32, '\0');
  OPTIN_TRY(random.Fill(bytes.data(), bytes.size()));
  SessionToken t;
  t.token = "hq_" + platform::Base64UrlEncode(bytes);
  t.hash = SessionTokenHash(t.token);
  return t;
}

std::string SessionTokenHash(std::string_view token) {
  return platform::HexEncode(platform::Sha256(token));
}

}  // namespace optin::hq
