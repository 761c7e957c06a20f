// The certificate authority of the tests and benchmarks (tests/support/ca/test_ca.h): the CA
// certificate, leaves issued from our requests and from openssl's, checked with platform's chain
// verification and with the openssl command.
#include "tests/support/ca/test_ca.h"

#include <gtest/gtest.h>

#include <ctime>
#include <fstream>
#include <sstream>

#include "platform/x509.h"
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

constexpr int64_t kNow = 1'767'225'600;  // 2026-01-01 00:00:00 UTC
constexpr int64_t kDay = 86'400;
constexpr int64_t kYear = 365 * kDay;

void WriteAll(const std::filesystem::path& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool HaveOpenssl() { return RunCommand("openssl version").exit_code == 0; }

#define REQUIRE_OPENSSL() \
  if (!HaveOpenssl()) GTEST_SKIP() << "the openssl command is not installed"

class TestCaTest : public ::testing::Test {
 protected:
  EcdsaPrivateKey NewKey() { return EcdsaPrivateKey::Generate(random_).value(); }

  // A CA and a leaf issued from a CSR, valid around kNow.
  struct Issued {
    EcdsaPrivateKey ca_key;
    std::string ca_pem;
    EcdsaPrivateKey leaf_key;
    std::string csr_pem;
    std::string leaf_pem;
  };
  Issued IssueLeaf(int64_t not_before = kNow - kDay, int64_t not_after = kNow + kYear) {
    auto ca_key = NewKey();
    auto ca_pem =
        CreateCertificateAuthority(ca_key, random_, "Test HQ CA", kNow - kYear, kNow + 10 * kYear)
            .value();
    auto leaf_key = NewKey();
    auto csr_pem = CreateCertificateSigningRequest(leaf_key, random_, "store-042",
                                                   {"box.store-042.example", "optin.local"})
                       .value();
    auto leaf_pem = SignCertificateRequest(ca_key, ca_pem, csr_pem, random_, not_before, not_after,
                                           /*client_and_server=*/true)
                        .value();
    return Issued{std::move(ca_key), std::move(ca_pem), std::move(leaf_key), std::move(csr_pem),
                  std::move(leaf_pem)};
  }

  SeededRandom random_{42};
  TempDir dir_;
};

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
  WriteAll(dir_ / "ca.pem", ca);
  WriteAll(dir_ / "csr.pem", csr);
  WriteAll(dir_ / "leaf.pem", leaf);

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
  auto leaf =
      SignCertificateRequest(ca_key, ca, ReadAll(csr), random_, now - kDay, now + kYear, false);
  ASSERT_TRUE(leaf) << leaf.error().message;
  auto info = InspectCertificate(*leaf).value();
  EXPECT_EQ(info.dns_names, (std::vector<std::string>{"a.example", "b.example"}));
  EXPECT_NE(info.subject.find("CN=store-9"), std::string::npos) << info.subject;
  WriteAll(dir_ / "ca.pem", ca);
  WriteAll(dir_ / "leaf.pem", *leaf);
  auto [rc2, text] = RunCommand("openssl x509 -noout -subject -in " + (dir_ / "leaf.pem").string());
  EXPECT_NE(text.find("C = FR, O = \"Acme, Inc\", CN = store-9"), std::string::npos) << text;
  auto [rc3, verify] = RunCommand("openssl verify -CAfile " + (dir_ / "ca.pem").string() + " " +
                                  (dir_ / "leaf.pem").string());
  EXPECT_EQ(rc3, 0) << verify;
}

}  // namespace
}  // namespace optin::testing::test_ca_test
