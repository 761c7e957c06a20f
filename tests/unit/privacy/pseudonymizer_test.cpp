#include "privacy/pseudonymizer.h"

#include <gtest/gtest.h>

#include <string>

#include "platform/crypto.h"
#include "platform/encoding.h"

namespace optin::privacy::pseudonymizer_test {
namespace {

const std::string kPseudonymKey(32, 'k');
const std::string kTokenKey(32, 't');

TEST(PseudonymizerTest, SameIssuerAndSubAlwaysGiveTheSameSubject) {
  Pseudonymizer a(kPseudonymKey, kTokenKey);
  Pseudonymizer b(kPseudonymKey, kTokenKey);
  EXPECT_EQ(a.SubjectId("https://hq.example", "loyalty-123"),
            b.SubjectId("https://hq.example", "loyalty-123"));
}

TEST(PseudonymizerTest, SubjectIdIsSixtyFourLowercaseHexCharacters) {
  Pseudonymizer p(kPseudonymKey, kTokenKey);
  std::string id = p.SubjectId("https://hq.example", "loyalty-123");
  ASSERT_EQ(id.size(), 64u);
  for (char c : id) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << id;
}

TEST(PseudonymizerTest, SubjectIdIsTheDocumentedKeyedHashOfIssuerAndSub) {
  // The format is part of the device contract (tools recompute it): HMAC(key, iss "\n" sub).
  Pseudonymizer p(kPseudonymKey, kTokenKey);
  EXPECT_EQ(p.SubjectId("iss", "sub"),
            platform::HexEncode(platform::HmacSha256(kPseudonymKey, "iss\nsub")));
}

TEST(PseudonymizerTest, DifferentSubsOrIssuersGiveDifferentSubjects) {
  Pseudonymizer p(kPseudonymKey, kTokenKey);
  const std::string base = p.SubjectId("https://hq.example", "loyalty-123");
  EXPECT_NE(base, p.SubjectId("https://hq.example", "loyalty-124"));
  EXPECT_NE(base, p.SubjectId("https://other-hq.example", "loyalty-123"));
}

TEST(PseudonymizerTest, AnotherDevicesKeyCannotLinkTheSameShopper) {
  Pseudonymizer ours(kPseudonymKey, kTokenKey);
  Pseudonymizer theirs(std::string(32, 'x'), kTokenKey);
  EXPECT_NE(ours.SubjectId("https://hq.example", "loyalty-123"),
            theirs.SubjectId("https://hq.example", "loyalty-123"));
}

TEST(PseudonymizerTest, SubjectIdDoesNotContainTheRawIdentifier) {
  Pseudonymizer p(kPseudonymKey, kTokenKey);
  std::string id = p.SubjectId("https://hq.example", "123456");
  EXPECT_EQ(id.find("123456"), std::string::npos);
}

TEST(PseudonymizerTest, TokenHashIsThirtyTwoBytesAndStableForTheSameToken) {
  Pseudonymizer p(kPseudonymKey, kTokenKey);
  EXPECT_EQ(p.TokenHash("vt_abc").size(), 32u);
  EXPECT_EQ(p.TokenHash("vt_abc"), p.TokenHash("vt_abc"));
  EXPECT_NE(p.TokenHash("vt_abc"), p.TokenHash("vt_abd"));
}

TEST(PseudonymizerTest, TokenHashUsesItsOwnKeyNotThePseudonymKey) {
  Pseudonymizer p(kPseudonymKey, kTokenKey);
  Pseudonymizer other_token_key(kPseudonymKey, std::string(32, 'u'));
  EXPECT_NE(p.TokenHash("vt_abc"), other_token_key.TokenHash("vt_abc"));
  // Changing the token key leaves subjects alone.
  EXPECT_EQ(p.SubjectId("i", "s"), other_token_key.SubjectId("i", "s"));
  EXPECT_NE(p.TokenHash("vt_abc"), platform::HmacSha256(kPseudonymKey, "vt_abc"));
}

}  // namespace
}  // namespace optin::privacy::pseudonymizer_test
