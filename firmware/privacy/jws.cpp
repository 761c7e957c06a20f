#include "privacy/jws.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "platform/encoding.h"
#include "privacy/forbidden_fields.h"

namespace optin::privacy {
namespace {

Result<boost::json::object> DecodeJsonPart(std::string_view part, std::string_view what) {
  auto bytes = platform::Base64UrlDecode(part);
  if (!bytes) {
    return Fail(ErrorCode::kUnauthenticated,
                std::string("The token's ") + std::string(what) + " is not base64url.", {},
                "token-malformed");
  }
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(*bytes, ec);
  if (ec || !v.is_object()) {
    return Fail(ErrorCode::kUnauthenticated,
                std::string("The token's ") + std::string(what) + " is not a JSON object.", {},
                "token-malformed");
  }
  // {"alg":"none","alg":"ES256"} must not read one way here and another elsewhere.
  if (auto repeated = FindDuplicateMember(*bytes)) {
    return Fail(
        ErrorCode::kUnauthenticated,
        std::string("The token's ") + std::string(what) + " repeats the member " + *repeated + ".",
        *repeated, "token-malformed");
  }
  return std::move(v.as_object());
}

}  // namespace

Result<std::string> SignJws(const platform::EcdsaPrivateKey& key, platform::Random& random,
                            std::string_view kid, std::string_view typ,
                            const boost::json::object& payload) {
  boost::json::object header{{"alg", "ES256"}, {"typ", typ}, {"kid", kid}};
  std::string input = platform::Base64UrlEncode(boost::json::serialize(header));
  input += '.';
  input += platform::Base64UrlEncode(boost::json::serialize(payload));
  OPTIN_ASSIGN_OR_RETURN(std::string sig, key.Sign(input, random));
  input += '.';
  input += platform::Base64UrlEncode(sig);
  return input;
}

Result<ParsedJws> ParseJws(std::string_view compact, size_t max_bytes) {
  if (compact.empty() || compact.size() > max_bytes) {
    return Fail(ErrorCode::kUnauthenticated, "The token is empty or too long.", {},
                "token-malformed");
  }
  size_t first = compact.find('.');
  size_t second = first == std::string_view::npos ? first : compact.find('.', first + 1);
  if (second == std::string_view::npos || compact.find('.', second + 1) != std::string_view::npos) {
    return Fail(ErrorCode::kUnauthenticated,
                "The token is not a compact JWS (three base64url parts separated by dots).", {},
                "token-malformed");
  }
  ParsedJws out;
  OPTIN_ASSIGN_OR_RETURN(out.header, DecodeJsonPart(compact.substr(0, first), "header"));
  OPTIN_ASSIGN_OR_RETURN(out.payload,
                         DecodeJsonPart(compact.substr(first + 1, second - first - 1), "payload"));
  auto sig = platform::Base64UrlDecode(compact.substr(second + 1));
  if (!sig) {
    return Fail(ErrorCode::kUnauthenticated, "The token's signature is not base64url.", {},
                "token-malformed");
  }
  out.signature = std::move(*sig);
  out.signing_input = std::string(compact.substr(0, second));
  return out;
}

Result<ParsedJws> VerifyJws(const platform::EcdsaPublicKey& key, std::string_view compact,
                            size_t max_bytes) {
  OPTIN_ASSIGN_OR_RETURN(ParsedJws jws, ParseJws(compact, max_bytes));
  const auto* alg = jws.header.if_contains("alg");
  if (alg == nullptr || !alg->is_string() || alg->as_string() != "ES256") {
    return Fail(ErrorCode::kUnauthenticated,
                "The token must be signed with ES256; other algorithms (including none and "
                "HS256) are refused.",
                {}, "token-algorithm");
  }
  if (jws.header.contains("crit")) {
    return Fail(ErrorCode::kUnauthenticated, "The token has critical header extensions.", {},
                "token-malformed");
  }
  if (!key.Verify(jws.signing_input, jws.signature)) {
    return Fail(ErrorCode::kUnauthenticated, "The token's signature does not verify.", {},
                "token-signature");
  }
  return jws;
}

}  // namespace optin::privacy
