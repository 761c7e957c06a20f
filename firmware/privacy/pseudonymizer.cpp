#include "privacy/pseudonymizer.h"

#include "platform/crypto.h"
#include "platform/encoding.h"

namespace optin::privacy {

std::string Pseudonymizer::SubjectId(std::string_view issuer, std::string_view sub) const {
  std::string input;
  input.reserve(issuer.size() + sub.size() + 1);
  input.append(issuer).append("\n").append(sub);
  return platform::HexEncode(platform::HmacSha256(pseudonym_key_, input));
}

std::string Pseudonymizer::TokenHash(std::string_view token) const {
  return platform::HmacSha256(token_key_, token);
}

}  // namespace optin::privacy
