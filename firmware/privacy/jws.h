// JSON Web Signatures in compact form with ES256 (RFC 7515/7518), the format of every signed
// thing the box hands out (consent and erasure receipts) and of the HQ tokens it checks.
// Pure functions over immutable keys; thread-safe.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

#include "platform/crypto.h"
#include "platform/error.h"
#include "platform/random.h"

namespace optin::privacy {

// Signs `payload` as header {"alg":"ES256","typ":typ,"kid":kid}.
Result<std::string> SignJws(const platform::EcdsaPrivateKey& key, platform::Random& random,
                            std::string_view kid, std::string_view typ,
                            const boost::json::object& payload);

struct ParsedJws {
  boost::json::object header;
  boost::json::object payload;
  std::string signing_input;  // base64url(header) "." base64url(payload)
  std::string signature;      // raw bytes
};

// The longest compact JWS accepted by default (tokens and receipts are far smaller); signed
// documents such as offer catalog bundles pass a larger bound.
inline constexpr size_t kMaxCompactJwsBytes = 8 * 1024;

// Splits and decodes a compact JWS without checking the signature. Errors are
// kUnauthenticated with reason "token-malformed".
Result<ParsedJws> ParseJws(std::string_view compact, size_t max_bytes = kMaxCompactJwsBytes);

// Parses, requires header alg == "ES256" exactly (reason "token-algorithm" otherwise: "none",
// HS256 and every other algorithm are refused) and checks the signature ("token-signature").
Result<ParsedJws> VerifyJws(const platform::EcdsaPublicKey& key, std::string_view compact,
                            size_t max_bytes = kMaxCompactJwsBytes);

}  // namespace optin::privacy
