// The presenting store as ingest and the bundle route see it: its certificate's key only while
// the certificate is valid, checked at each request (a resumed TLS session carries the
// certificate of its full handshake, which may have been made before it expired).
#include "tools/optin-hq/batch_check.h"

#include <gtest/gtest.h>

#include <string>

#include "platform/clock.h"
#include "platform/crypto.h"
#include "platform/encoding.h"
#include "platform/random.h"
#include "platform/x509.h"
#include "tests/support/ca/test_ca.h"

namespace optin::hq::batch_check_test {
namespace {

constexpr int64_t kNow = 1'800'000'000;

// The DER of the first certificate of a PEM.
std::string DerOf(const std::string& pem) {
  std::string b64;
  const size_t begin = pem.find('\n') + 1, end = pem.find("-----END");
  for (size_t i = begin; i < end; ++i) {
    if (pem[i] != '\n' && pem[i] != '\r') b64 += pem[i];
  }
  return platform::Base64Decode(b64).value_or("");
}

class PeerStoreTest : public ::testing::Test {
 protected:
  // A client certificate for store "s1", valid [kNow - 100, kNow + 100], as DER.
  std::string StoreCertificate() {
    auto ca_key = platform::EcdsaPrivateKey::Generate(random_).value();
    const std::string ca =
        optin::testing::CreateCertificateAuthority(ca_key, random_, "CA", kNow - 1000, kNow + 1000)
            .value();
    auto key = platform::EcdsaPrivateKey::Generate(random_).value();
    const std::string csr =
        platform::CreateCertificateSigningRequest(key, random_, "s1", {}).value();
    return DerOf(optin::testing::SignCertificateRequest(ca_key, ca, csr, random_, kNow - 100,
                                                        kNow + 100, true)
                     .value());
  }
  platform::SeededRandom random_{7};
};

TEST_F(PeerStoreTest, AValidCertificateGivesTheStoreAndItsKey) {
  const PeerStore peer = PeerStoreOf(StoreCertificate(), kNow);
  EXPECT_TRUE(peer.key.has_value()) << peer.problem;
  EXPECT_EQ(peer.common_name, "s1");
}

TEST_F(PeerStoreTest, ACertificateThatExpiredSinceTheHandshakeIsRefusedSayingWhen) {
  const std::string der = StoreCertificate();
  const PeerStore expired = PeerStoreOf(der, kNow + 101);
  EXPECT_FALSE(expired.key.has_value());
  EXPECT_NE(expired.problem.find("expired at " + platform::FormatIso8601Utc(kNow + 100)),
            std::string::npos)
      << expired.problem;
  const PeerStore early = PeerStoreOf(der, kNow - 101);
  EXPECT_FALSE(early.key.has_value());
  EXPECT_NE(early.problem.find("not valid before"), std::string::npos) << early.problem;
}

TEST_F(PeerStoreTest, NoCertificateSaysSo) {
  const PeerStore peer = PeerStoreOf("", kNow);
  EXPECT_FALSE(peer.key.has_value());
  EXPECT_EQ(peer.problem, "no verified client certificate");
}

}  // namespace
}  // namespace optin::hq::batch_check_test
