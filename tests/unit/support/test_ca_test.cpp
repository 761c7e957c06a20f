// The certificate authority of the tests and benchmarks (tests/support/ca/test_ca.h): the CA
// certificate, leaves issued from our requests and from openssl's, checked with platform's chain
// verification and with the openssl command.
#include "tests/support/ca/test_ca.h"

#include <gtest/gtest.h>

#include <ctime>
#include <fstream>
#include <sstream>

#include "platform/x509.h"
#include "tests/support/ca_fixture.h"
#include "tests/support/run_command.h"
#include "tests/support/temp_dir.h"

namespace optin::testing::test_ca_test {
namespace {

using platform::CheckCertificateMatchesKey;
using platform::CreateCertificateSigningRequest;
using platform::EcdsaPrivateKey;
using platform::InspectCertificate;
using platform::InspectCertificateBundle;
using platform::SeededRandom;
using platform::VerifyCertificateChain;

constexpr int64_t kNow = kCaTestNow;
constexpr int64_t kDay = kCaTestDay;
constexpr int64_t kYear = kCaTestYear;

// The CA, the leaf it issues and the files (tests/support/ca_fixture.h).
class TestCaTest : public CaFixture {};

TEST_F(TestCaTest, CaSignsCsrAndChainVerifies) {
  Issued issued = IssueLeaf();
  auto ca = InspectCertificate(issued.ca_pem).value();
  EXPECT_TRUE(ca.is_ca);
  EXPECT_EQ(ca.subject, "CN=Test HQ CA");

  auto leaf = InspectCertificate(issued.leaf_pem).value();
  EXPECT_EQ(leaf.subject, "CN=store-042");
  EXPECT_EQ(leaf.issuer, "CN=Test HQ CA");
  EXPECT_FALSE(leaf.is_ca);
  // The SAN requested in the CSR is carried into the certificate.
  EXPECT_EQ(leaf.dns_names, (std::vector<std::string>{"box.store-042.example", "optin.local"}));
  EXPECT_TRUE(CheckCertificateMatchesKey(issued.leaf_pem, issued.leaf_key));
  EXPECT_TRUE(VerifyCertificateChain(issued.leaf_pem, issued.ca_pem, kNow));

  auto bundle = InspectCertificateBundle(issued.leaf_pem + issued.ca_pem);
  ASSERT_TRUE(bundle);
  ASSERT_EQ(bundle->size(), 2u);
  EXPECT_EQ((*bundle)[1].subject, "CN=Test HQ CA");
  // InspectCertificate takes the first of a chain.
  EXPECT_EQ(InspectCertificate(issued.leaf_pem + issued.ca_pem)->subject, "CN=store-042");
}

TEST_F(TestCaTest, ForgedCsrSignatureIsRefused) {
  Issued issued = IssueLeaf();
  // Flip one base64 character near the end of the CSR (inside the signature).
  std::string forged = issued.csr_pem;
  const size_t end = forged.find("-----END");
  ASSERT_NE(end, std::string::npos);
  char& c = forged[end - 6];
  c = c == 'A' ? 'B' : 'A';
  auto leaf = SignCertificateRequest(issued.ca_key, issued.ca_pem, forged, random_, kNow,
                                     kNow + kYear, false);
  EXPECT_FALSE(leaf);
}

TEST_F(TestCaTest, OpensslAcceptsOurCsrAndVerifiesTheLeafWeSigned) {
  REQUIRE_OPENSSL();
  // Real time here: openssl verify checks validity against the system clock.
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  auto ca_key = NewKey();
  auto ca =
      CreateCertificateAuthority(ca_key, random_, "Test HQ CA", now - kDay, now + kYear).value();
  auto key = NewKey();
  auto csr =
      CreateCertificateSigningRequest(key, random_, "store-7", {"box.store-7.example"}).value();
  auto leaf =
      SignCertificateRequest(ca_key, ca, csr, random_, now - kDay, now + kYear, true).value();
  WriteWholeFile(dir_ / "ca.pem", ca);
  WriteWholeFile(dir_ / "csr.pem", csr);
  WriteWholeFile(dir_ / "leaf.pem", leaf);

  auto [rc, text] =
      RunCommand("openssl req -verify -noout -text -in " + (dir_ / "csr.pem").string());
  ASSERT_EQ(rc, 0) << text;
  EXPECT_NE(text.find("CN = store-7"), std::string::npos) << text;
  EXPECT_NE(text.find("DNS:box.store-7.example"), std::string::npos) << text;

  auto [rc2, verify] = RunCommand("openssl verify -CAfile " + (dir_ / "ca.pem").string() + " " +
                                  (dir_ / "leaf.pem").string());
  EXPECT_EQ(rc2, 0) << verify;
  auto [rc3, purpose] = RunCommand("openssl verify -purpose sslserver -CAfile " +
                                   (dir_ / "ca.pem").string() + " " + (dir_ / "leaf.pem").string());
  EXPECT_EQ(rc3, 0) << purpose;
  auto [rc4, ca_text] = RunCommand("openssl x509 -noout -text -in " + (dir_ / "ca.pem").string());
  EXPECT_NE(ca_text.find("CA:TRUE"), std::string::npos) << ca_text;
  EXPECT_NE(ca_text.find("Certificate Sign"), std::string::npos) << ca_text;
}

TEST_F(TestCaTest, WeSignACsrMadeByOpenssl) {
  REQUIRE_OPENSSL();
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  auto ca_key = NewKey();
  auto ca =
      CreateCertificateAuthority(ca_key, random_, "Test HQ CA", now - kDay, now + kYear).value();
  const auto key = (dir_ / "k.pem").string(), csr = (dir_ / "r.pem").string();
  auto [rc, out] =
      RunCommand("openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " +
                 key + " -out " + csr +
                 " -subj '/C=FR/O=Acme, Inc/CN=store-9' -addext "
                 "'subjectAltName=DNS:a.example,DNS:b.example'");
  ASSERT_EQ(rc, 0) << out;
  auto leaf = SignCertificateRequest(ca_key, ca, ReadWholeFile(csr), random_, now - kDay,
                                     now + kYear, false);
  ASSERT_TRUE(leaf) << leaf.error().message;
  auto info = InspectCertificate(*leaf).value();
  EXPECT_EQ(info.dns_names, (std::vector<std::string>{"a.example", "b.example"}));
  EXPECT_NE(info.subject.find("CN=store-9"), std::string::npos) << info.subject;
  WriteWholeFile(dir_ / "ca.pem", ca);
  WriteWholeFile(dir_ / "leaf.pem", *leaf);
  auto [rc2, text] = RunCommand("openssl x509 -noout -subject -in " + (dir_ / "leaf.pem").string());
  EXPECT_NE(text.find("C = FR, O = \"Acme, Inc\", CN = store-9"), std::string::npos) << text;
  auto [rc3, verify] = RunCommand("openssl verify -CAfile " + (dir_ / "ca.pem").string() + " " +
                                  (dir_ / "leaf.pem").string());
  EXPECT_EQ(rc3, 0) << verify;
}

}  // namespace
}  // namespace optin::testing::test_ca_test
