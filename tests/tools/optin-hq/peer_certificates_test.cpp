// The presenting store as ingest and the bundle route see it: its certificate's key only while
// the certificate is valid, checked at each request (a resumed TLS session carries the
// certificate of its full handshake, which may have been made before it expired); each
// certificate read once and kept, within a bound.
#include "tools/optin-hq/peer_certificates.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "platform/clock.h"
#include "platform/crypto.h"
#include "platform/encoding.h"
#include "platform/random.h"
#include "platform/x509.h"
#include "tests/support/ca/test_ca.h"

namespace optin::hq::peer_certificates_test {
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
  // A client certificate for store `store`, valid [kNow - 100, kNow + 100], as DER; its key in
  // `key` if given.
  std::string StoreCertificate(const std::string& store = "s1",
                               std::optional<platform::EcdsaPrivateKey>* key = nullptr) {
    auto ca_key = platform::EcdsaPrivateKey::Generate(random_).value();
    const std::string ca =
        optin::testing::CreateCertificateAuthority(ca_key, random_, "CA", kNow - 1000, kNow + 1000)
            .value();
    auto store_key = platform::EcdsaPrivateKey::Generate(random_).value();
    const std::string csr =
        platform::CreateCertificateSigningRequest(store_key, random_, store, {}).value();
    std::string der = DerOf(optin::testing::SignCertificateRequest(ca_key, ca, csr, random_,
                                                                   kNow - 100, kNow + 100, true)
                                .value());
    if (key) *key = std::move(store_key);
    return der;
  }
  platform::SeededRandom random_{7};
  PeerCertificates peers_;
};

TEST_F(PeerStoreTest, AValidCertificateGivesTheStoreAndItsKey) {
  const PeerStore peer = peers_.Of(StoreCertificate(), kNow);
  EXPECT_TRUE(peer.key.has_value()) << peer.problem;
  EXPECT_EQ(peer.common_name, "s1");
}

TEST_F(PeerStoreTest, ACertificateThatExpiredSinceTheHandshakeIsRefusedSayingWhen) {
  const std::string der = StoreCertificate();
  const PeerStore expired = peers_.Of(der, kNow + 101);
  EXPECT_FALSE(expired.key.has_value());
  EXPECT_NE(expired.problem.find("expired at " + platform::FormatIso8601Utc(kNow + 100)),
            std::string::npos)
      << expired.problem;
  const PeerStore early = peers_.Of(der, kNow - 101);
  EXPECT_FALSE(early.key.has_value());
  EXPECT_NE(early.problem.find("not valid before"), std::string::npos) << early.problem;
}

TEST_F(PeerStoreTest, AKeptCertificateIsStillCheckedForExpiryAtEachRequest) {
  const std::string der = StoreCertificate();
  EXPECT_TRUE(peers_.Of(der, kNow).key.has_value());
  EXPECT_EQ(peers_.size(), 1u);
  const PeerStore later = peers_.Of(der, kNow + 101);
  EXPECT_FALSE(later.key.has_value());
  EXPECT_NE(later.problem.find("expired at"), std::string::npos) << later.problem;
  EXPECT_TRUE(peers_.Of(der, kNow + 100).key.has_value());
  EXPECT_EQ(peers_.size(), 1u);
}

TEST_F(PeerStoreTest, KeysOfKeptCertificatesVerifyTheirStoresSignaturesOnly) {
  std::optional<platform::EcdsaPrivateKey> key1, key2;
  const std::string der1 = StoreCertificate("s1", &key1), der2 = StoreCertificate("s2", &key2);
  const std::string signed_by_1 = key1->Sign("batch s1", random_).value();
  for (int upload = 0; upload < 3; ++upload) {  // the first reads, the later ones reuse
    const PeerStore p1 = peers_.Of(der1, kNow), p2 = peers_.Of(der2, kNow);
    ASSERT_TRUE(p1.key && p2.key);
    EXPECT_EQ(p1.common_name, "s1");
    EXPECT_EQ(p2.common_name, "s2");
    EXPECT_TRUE(p1.key->Verify("batch s1", signed_by_1)) << upload;
    EXPECT_FALSE(p2.key->Verify("batch s1", signed_by_1)) << upload;
    EXPECT_FALSE(p1.key->Verify("batch s2", signed_by_1)) << upload;
  }
  EXPECT_EQ(peers_.size(), 2u);
}

TEST_F(PeerStoreTest, NoCertificateSaysSo) {
  const PeerStore peer = peers_.Of("", kNow);
  EXPECT_FALSE(peer.key.has_value());
  EXPECT_EQ(peer.problem, "no verified client certificate");
  EXPECT_EQ(peers_.size(), 0u);
}

TEST_F(PeerStoreTest, AnUnreadableCertificateIsRefusedAndNotKept) {
  std::string der = StoreCertificate();
  der.resize(der.size() / 2);
  const PeerStore peer = peers_.Of(der, kNow);
  EXPECT_FALSE(peer.key.has_value());
  EXPECT_EQ(peer.problem, "client certificate unreadable");
  EXPECT_EQ(peers_.size(), 0u);
}

TEST_F(PeerStoreTest, NoMoreCertificatesAreKeptThanTheCapacityAndEachStillAnswers) {
  PeerCertificates peers(2);
  std::vector<std::string> ders;
  for (int i = 0; i < 4; ++i) ders.push_back(StoreCertificate("s" + std::to_string(i)));
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 4; ++i) {
      const PeerStore p = peers.Of(ders[i], kNow);
      EXPECT_TRUE(p.key.has_value()) << p.problem;
      EXPECT_EQ(p.common_name, "s" + std::to_string(i));
      EXPECT_LE(peers.size(), 2u);
    }
  }
}

TEST_F(PeerStoreTest, ThreadsAskingForTheSameCertificatesAllGetTheirStore) {
  std::optional<platform::EcdsaPrivateKey> key;
  const std::string der = StoreCertificate("s9", &key), other = StoreCertificate("s8");
  const std::string signature = key->Sign("batch", random_).value();
  std::vector<std::thread> threads;
  std::vector<int> good(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        const PeerStore p = peers_.Of(i % 2 ? der : other, kNow);
        if (i % 2 && p.key && p.common_name == "s9" && p.key->Verify("batch", signature)) ++good[t];
        if (!(i % 2) && p.key && p.common_name == "s8" && !p.key->Verify("batch", signature)) {
          ++good[t];
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(good[t], 10) << "thread " << t;
  EXPECT_EQ(peers_.size(), 2u);
}

}  // namespace
}  // namespace optin::hq::peer_certificates_test
