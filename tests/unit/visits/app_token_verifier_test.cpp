#include "visits/app_token_verifier.h"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <limits>
#include <string>

#include "platform/crypto.h"
#include "platform/encoding.h"
#include "privacy/jws.h"
#include "tests/support/domain_fixture.h"

namespace optin::visits::app_token_verifier_test {
namespace {

using optin::testing::ValueOrDie;

constexpr std::string_view kStore = "store-0042";
constexpr std::string_view kIssuer = "https://hq.example";

std::string B64(std::string_view s) { return platform::Base64UrlEncode(s); }

class AppTokenVerifierTest : public ::testing::Test {
 protected:
  AppTokenVerifierTest()
      : random_(11),
        hq_key_(ValueOrDie(platform::EcdsaPrivateKey::Generate(random_), "hq key")),
        other_key_(ValueOrDie(platform::EcdsaPrivateKey::Generate(random_), "other key")),
        verifier_(clock_, hq_key_.PublicKey(), Policy()) {}

  static AppTokenPolicy Policy(std::string issuer = std::string(kIssuer)) {
    AppTokenPolicy p;
    p.store_id = std::string(kStore);
    p.issuer = std::move(issuer);
    return p;
  }

  // The claims of a good token issued now for ten minutes.
  boost::json::object Claims() {
    const int64_t now = clock_.NowUnix();
    return {{"iss", kIssuer}, {"sub", "loyalty-123"}, {"aud", kStore},
            {"iat", now},     {"exp", now + 600},     {"jti", "jti-1"}};
  }
  std::string Mint(const boost::json::object& claims) {
    return ValueOrDie(privacy::SignJws(hq_key_, random_, "hq-1", "JWT", claims), "mint");
  }
  std::string MintWith(std::string_view name, boost::json::value v) {
    boost::json::object c = Claims();
    c[name] = std::move(v);
    return Mint(c);
  }
  std::string MintWithout(std::string_view name) {
    boost::json::object c = Claims();
    c.erase(name);
    return Mint(c);
  }
  std::string Reason(std::string_view token) { return Reason(verifier_, token); }
  static std::string Reason(const AppTokenVerifier& v, std::string_view token) {
    auto r = v.Verify(token);
    if (r) return "ok";
    EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated) << r.error().reason;
    EXPECT_FALSE(r.error().message.empty());
    return r.error().reason;
  }

  platform::FakeClock clock_;
  platform::SeededRandom random_;
  platform::EcdsaPrivateKey hq_key_;
  platform::EcdsaPrivateKey other_key_;
  AppTokenVerifier verifier_;
};

TEST_F(AppTokenVerifierTest, OtherDocumentsSignedByTheHqKeyAreNotAppTokens) {
  // An offer catalog bundle is signed with the same HQ key: its type keeps it from passing.
  EXPECT_EQ(Reason(ValueOrDie(
                privacy::SignJws(hq_key_, random_, "hq-1", "optin-catalog+jws", Claims()), "sign")),
            "token-type");
  EXPECT_EQ(
      Reason(ValueOrDie(privacy::SignJws(hq_key_, random_, "hq-1", "consent-receipt+jws", Claims()),
                        "sign")),
      "token-type");
  // JWT types are app tokens, in any case.
  EXPECT_EQ(
      Reason(ValueOrDie(privacy::SignJws(hq_key_, random_, "hq-1", "at+jwt", Claims()), "sign")),
      "ok");
  EXPECT_EQ(Reason(ValueOrDie(privacy::SignJws(hq_key_, random_, "hq-1", "jwt", Claims()), "sign")),
            "ok");
}

TEST_F(AppTokenVerifierTest, ValidTokenIsAcceptedWithItsClaims) {
  auto claims = verifier_.Verify(Mint(Claims()));
  ASSERT_TRUE(claims) << claims.error().message;
  EXPECT_EQ(claims->issuer, kIssuer);
  EXPECT_EQ(claims->subject, "loyalty-123");
  EXPECT_EQ(claims->token_id, "jti-1");
  EXPECT_EQ(claims->issued_at, clock_.NowUnix());
  EXPECT_EQ(claims->expires_at, clock_.NowUnix() + 600);
  EXPECT_FALSE(claims->purposes);
  EXPECT_TRUE(verifier_.provisioned());
}

TEST_F(AppTokenVerifierTest, AudienceListContainingThisStoreIsAccepted) {
  EXPECT_EQ(Reason(MintWith("aud", boost::json::array{"store-0001", kStore})), "ok");
  EXPECT_EQ(Reason(MintWith("aud", boost::json::array{"store-0001", "store-0002"})),
            "token-audience");
}

TEST_F(AppTokenVerifierTest, PurposesChosenInTheAppAreReturned) {
  auto claims = verifier_.Verify(MintWith("purposes", boost::json::array{"offers", "history"}));
  ASSERT_TRUE(claims);
  ASSERT_TRUE(claims->purposes);
  EXPECT_EQ(*claims->purposes, (std::vector<std::string>{"offers", "history"}));
  EXPECT_EQ(Reason(MintWith("purposes", "offers")), "token-claims");
  EXPECT_EQ(Reason(MintWith("purposes", boost::json::array{"offers", 3})), "token-claims");
}

TEST_F(AppTokenVerifierTest, AlgorithmNoneIsRefused) {
  std::string token =
      B64(R"({"alg":"none","typ":"JWT"})") + "." + B64(boost::json::serialize(Claims())) + ".";
  EXPECT_EQ(Reason(token), "token-algorithm");
}

TEST_F(AppTokenVerifierTest, Hs256TokenIsRefused) {
  std::string input =
      B64(R"({"alg":"HS256","typ":"JWT"})") + "." + B64(boost::json::serialize(Claims()));
  std::string mac = platform::HmacSha256(hq_key_.PublicKey().ToDer(), input);
  EXPECT_EQ(Reason(input + "." + B64(mac)), "token-algorithm");
}

TEST_F(AppTokenVerifierTest, TokenSignedWithAnotherKeyIsRefused) {
  std::string token = ValueOrDie(privacy::SignJws(other_key_, random_, "hq-1", "JWT", Claims()),
                                 "mint with other key");
  EXPECT_EQ(Reason(token), "token-signature");
}

TEST_F(AppTokenVerifierTest, TamperedPayloadIsRefused) {
  std::string token = Mint(Claims());
  boost::json::object forged = Claims();
  forged["sub"] = "someone-else";
  size_t first = token.find('.');
  size_t second = token.find('.', first + 1);
  std::string tampered =
      token.substr(0, first + 1) + B64(boost::json::serialize(forged)) + token.substr(second);
  EXPECT_EQ(Reason(tampered), "token-signature");
}

TEST_F(AppTokenVerifierTest, TokenForAnotherStoreIsRefused) {
  EXPECT_EQ(Reason(MintWith("aud", "store-0001")), "token-audience");
  EXPECT_EQ(Reason(MintWithout("aud")), "token-audience");
  EXPECT_EQ(Reason(MintWith("aud", 42)), "token-audience");
}

TEST_F(AppTokenVerifierTest, WrongIssuerIsRefusedWhenOneIsConfigured) {
  const std::string token = MintWith("iss", "https://evil.example");
  EXPECT_EQ(Reason(token), "token-issuer");
  AppTokenVerifier any_issuer(clock_, hq_key_.PublicKey(), Policy(""));
  EXPECT_EQ(Reason(any_issuer, token), "ok");
}

TEST_F(AppTokenVerifierTest, ExpiredTokenIsRefusedBeyondTheLeeway) {
  const int64_t now = clock_.NowUnix();
  boost::json::object c = Claims();
  c["iat"] = now - 700;
  c["exp"] = now - 30;  // expired, but within the 60 s leeway
  EXPECT_EQ(Reason(Mint(c)), "ok");
  c["exp"] = now - 60;
  EXPECT_EQ(Reason(Mint(c)), "token-expired");
  // A good token expires as the clock moves on.
  std::string good = Mint(Claims());
  clock_.Advance(std::chrono::seconds(600 + 60));
  EXPECT_EQ(Reason(good), "token-expired");
}

TEST_F(AppTokenVerifierTest, TokenIssuedInTheFutureIsRefused) {
  const int64_t now = clock_.NowUnix();
  boost::json::object c = Claims();
  c["iat"] = now + 30;  // clock skew within leeway
  EXPECT_EQ(Reason(Mint(c)), "ok");
  c["iat"] = now + 61;
  EXPECT_EQ(Reason(Mint(c)), "token-not-yet-valid");
  EXPECT_EQ(Reason(MintWith("nbf", now + 300)), "token-not-yet-valid");
  EXPECT_EQ(Reason(MintWith("nbf", now - 300)), "ok");
}

TEST_F(AppTokenVerifierTest, LifetimeLongerThanTheMaximumIsRefused) {
  const int64_t now = clock_.NowUnix();
  EXPECT_EQ(Reason(MintWith("exp", now + 24 * 3600)), "ok");
  EXPECT_EQ(Reason(MintWith("exp", now + 24 * 3600 + 1)), "token-lifetime");
}

TEST_F(AppTokenVerifierTest, TokenIssuedLongAgoIsRefusedForItsLifetime) {
  const int64_t now = clock_.NowUnix();
  boost::json::object c = Claims();
  c["iat"] = now - 10 * 24 * 3600;
  EXPECT_EQ(Reason(Mint(c)), "token-lifetime");
}

TEST_F(AppTokenVerifierTest, ExtremeTimeClaimsCannotWrapAroundTheLifetimeCheck) {
  // exp - iat does not fit in 64 bits: a checked subtraction must still see "too long".
  boost::json::object c = Claims();
  c["iat"] = std::numeric_limits<int64_t>::min() + 100;
  c["exp"] = std::numeric_limits<int64_t>::max() - 100;
  EXPECT_NE(Reason(Mint(c)), "ok");
  c["iat"] = clock_.NowUnix();
  EXPECT_NE(Reason(Mint(c)), "ok");
  c["exp"] = std::numeric_limits<int64_t>::min() + 100;
  EXPECT_NE(Reason(Mint(c)), "ok");
}

TEST_F(AppTokenVerifierTest, MissingOrInvalidRequiredClaimsAreRefused) {
  for (std::string_view claim : {"sub", "jti", "exp", "iss", "iat"}) {
    EXPECT_EQ(Reason(MintWithout(claim)), "token-claims") << claim;
  }
  EXPECT_EQ(Reason(MintWith("sub", "")), "token-claims");
  EXPECT_EQ(Reason(MintWith("sub", 12345)), "token-claims");
  EXPECT_EQ(Reason(MintWith("sub", boost::json::string(257, 'x'))), "token-claims");
  EXPECT_EQ(Reason(MintWith("jti", boost::json::string(129, 'x'))), "token-claims");
  EXPECT_EQ(Reason(MintWith("exp", "tomorrow")), "token-claims");
}

TEST_F(AppTokenVerifierTest, MalformedBase64IsRefused) {
  std::string token = Mint(Claims());
  size_t first = token.find('.');
  EXPECT_EQ(Reason("e$" + token.substr(2)), "token-malformed");
  EXPECT_EQ(Reason(token.substr(0, first + 1) + "!!" + token.substr(first + 3)), "token-malformed");
  EXPECT_EQ(Reason(token + "=="), "token-malformed");
}

TEST_F(AppTokenVerifierTest, TokenWithoutExactlyThreePartsIsRefused) {
  std::string token = Mint(Claims());
  EXPECT_EQ(Reason(""), "token-malformed");
  EXPECT_EQ(Reason("not-a-token"), "token-malformed");
  EXPECT_EQ(Reason(token.substr(0, token.rfind('.'))), "token-malformed");
  EXPECT_EQ(Reason(token + "." + token.substr(token.rfind('.') + 1)), "token-malformed");
}

TEST_F(AppTokenVerifierTest, UnprovisionedDeviceRefusesEveryTokenAsUnavailable) {
  AppTokenVerifier unprovisioned(clock_, std::nullopt, Policy());
  EXPECT_FALSE(unprovisioned.provisioned());
  auto r = unprovisioned.Verify(Mint(Claims()));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(r.error().reason, "not-provisioned");
}

}  // namespace
}  // namespace optin::visits::app_token_verifier_test
