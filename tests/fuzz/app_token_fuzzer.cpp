// Fuzzes app token (JWT) verification (visits/app_token_verifier.h over privacy/jws.h). The
// first byte picks what the rest of the input is:
//  0: the compact token itself, as a shopper's app or a kiosk scan would present it;
//  1: the payload (claims) bytes of a token with a valid ES256 header, signed with the HQ key
//     the verifier trusts, so that the claims checks run on arbitrary claims;
//  2: the header bytes of a token whose payload is valid, signed with the trusted key.
// Besides "no crash, no leak, no undefined behaviour", an accepted token must satisfy every
// rule the verifier promises (audience, lifetime, times around the fake clock, non-empty ids).
#include <boost/json/parse.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "platform/clock.h"
#include "platform/crypto.h"
#include "platform/encoding.h"
#include "platform/random.h"
#include "privacy/jws.h"
#include "visits/app_token_verifier.h"

namespace {

using optin::platform::Base64UrlEncode;

constexpr int64_t kNow = 1'790'000'000;
constexpr std::string_view kStore = "store-fuzz-1";
constexpr std::string_view kValidHeader = R"({"alg":"ES256","typ":"JWT"})";
constexpr std::string_view kValidPayload =
    R"({"iss":"https://hq.example","sub":"s","aud":"store-fuzz-1","exp":1790000600,)"
    R"("iat":1789999990,"jti":"j1","purposes":["offers"]})";

[[noreturn]] void Broken(const char* what) {
  std::fprintf(stderr, "property violated: %s\n", what);
  std::abort();
}

struct World {
  optin::platform::FakeClock clock{kNow};
  optin::platform::SeededRandom random{42};
  std::unique_ptr<optin::platform::EcdsaPrivateKey> hq_key;
  std::unique_ptr<optin::visits::AppTokenVerifier> verifier;
  optin::visits::AppTokenPolicy policy;

  World() {
    auto key = optin::platform::EcdsaPrivateKey::Generate(random);
    if (!key) Broken("cannot generate the HQ key");
    hq_key = std::make_unique<optin::platform::EcdsaPrivateKey>(std::move(*key));
    policy.store_id = std::string(kStore);
    verifier =
        std::make_unique<optin::visits::AppTokenVerifier>(clock, hq_key->PublicKey(), policy);
  }

  std::string Signed(std::string_view header, std::string_view payload) {
    std::string input = Base64UrlEncode(header) + "." + Base64UrlEncode(payload);
    auto sig = hq_key->Sign(input, random);
    if (!sig) Broken("cannot sign");
    return input + "." + Base64UrlEncode(*sig);
  }
};

World& TheWorld() {
  static World* world = new World;
  return *world;
}

void CheckAccepted(const optin::visits::AppTokenClaims& c, const World& w) {
  const int64_t leeway = w.policy.leeway.count();
  if (c.issuer.empty() || c.subject.empty() || c.token_id.empty()) Broken("an empty id claim");
  if (c.expires_at + leeway <= kNow) Broken("an expired token was accepted");
  if (c.issued_at - leeway > kNow) Broken("a future token was accepted");
  if (c.expires_at - c.issued_at > w.policy.max_lifetime.count()) Broken("lifetime too long");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  World& w = TheWorld();
  const uint8_t mode = data[0] % 3;
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);

  std::string token;
  if (mode == 0) {
    token = std::string(rest);
    // The unverified parse must agree with the verified one about the token's shape.
    auto parsed = optin::privacy::ParseJws(token);
    auto verified = w.verifier->Verify(token);
    if (verified && !parsed) Broken("a token that does not parse was verified");
    if (verified) CheckAccepted(*verified, w);
    return 0;
  }
  if (mode == 1) {
    // Signing is the slow part: sign only claims that could get past the JSON parse.
    boost::system::error_code ec;
    auto v = boost::json::parse(rest, ec);
    token = ec || !v.is_object()
                ? Base64UrlEncode(kValidHeader) + "." + Base64UrlEncode(rest) + ".AA"
                : w.Signed(kValidHeader, rest);
  } else {
    boost::system::error_code ec;
    auto v = boost::json::parse(rest, ec);
    const auto* alg = !ec && v.is_object() ? v.as_object().if_contains("alg") : nullptr;
    bool es256 = alg != nullptr && alg->is_string() && alg->as_string() == "ES256";
    token = es256 ? w.Signed(rest, kValidPayload)
                  : Base64UrlEncode(rest) + "." + Base64UrlEncode(kValidPayload) + ".AA";
  }
  auto verified = w.verifier->Verify(token);
  if (verified) {
    CheckAccepted(*verified, w);
    auto jws = optin::privacy::ParseJws(token);
    if (!jws) Broken("a verified token does not parse");
    const auto* alg = jws->header.if_contains("alg");
    if (alg == nullptr || !alg->is_string() || alg->as_string() != "ES256") {
      Broken("a token without alg ES256 was verified");
    }
  }
  return 0;
}
