#include "platform/x509.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "tests/support/ca/test_ca.h"
#include "tests/support/ca_fixture.h"
#include "tests/support/run_command.h"
#include "tests/support/temp_dir.h"

namespace optin::platform::x509_test {
namespace {

using testing::CreateCertificateAuthority;
using testing::RunCommand;
using testing::SignCertificateRequest;

constexpr int64_t kNow = testing::kCaTestNow;
constexpr int64_t kDay = testing::kCaTestDay;
constexpr int64_t kYear = testing::kCaTestYear;

// The CA, the leaf it issues and the files (tests/support/ca_fixture.h).
class X509Test : public testing::CaFixture {};

TEST_F(X509Test, SelfSignedCertificateRoundTripsThroughInspect) {
  auto key = NewKey();
  auto pem = CreateSelfSignedCertificate(key, random_, "optin-box", {"optin.local", "box.example"},
                                         {"192.168.1.20", "fd00::1"}, kNow, kNow + 2 * kYear);
  ASSERT_TRUE(pem) << pem.error().message;
  EXPECT_NE(pem->find("-----BEGIN CERTIFICATE-----"), std::string::npos);

  auto info = InspectCertificate(*pem);
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->subject, "CN=optin-box");
  EXPECT_EQ(info->issuer, "CN=optin-box");
  EXPECT_EQ(info->dns_names, (std::vector<std::string>{"optin.local", "box.example"}));
  EXPECT_EQ(info->ip_addresses, (std::vector<std::string>{"192.168.1.20", "fd00::1"}));
  EXPECT_EQ(info->not_before, kNow);
  EXPECT_EQ(info->not_after, kNow + 2 * kYear);
  EXPECT_EQ(info->sha256_fingerprint_hex.size(), 64u);
  EXPECT_FALSE(info->is_ca);

  EXPECT_TRUE(CheckCertificateMatchesKey(*pem, key));
  // A self-signed leaf is its own trust anchor.
  EXPECT_TRUE(VerifyCertificateChain(*pem, *pem, kNow + kDay));
}

TEST_F(X509Test, SerialNumbersDiffer) {
  auto key = NewKey();
  auto a = CreateSelfSignedCertificate(key, random_, "a", {}, {}, kNow, kNow + kYear).value();
  auto b = CreateSelfSignedCertificate(key, random_, "a", {}, {}, kNow, kNow + kYear).value();
  EXPECT_NE(InspectCertificate(a)->sha256_fingerprint_hex,
            InspectCertificate(b)->sha256_fingerprint_hex);
}

TEST_F(X509Test, RefusesBadInput) {
  auto key = NewKey();
  EXPECT_FALSE(CreateSelfSignedCertificate(key, random_, "", {}, {}, kNow, kNow + kYear));
  EXPECT_FALSE(CreateSelfSignedCertificate(key, random_, "x", {"bad name!"}, {}, kNow, kNow + 1));
  EXPECT_FALSE(CreateSelfSignedCertificate(key, random_, "x", {}, {"300.1.1.1"}, kNow, kNow + 1));
  auto backwards = CreateSelfSignedCertificate(key, random_, "x", {}, {}, kNow, kNow - 1);
  ASSERT_FALSE(backwards);
  EXPECT_NE(backwards.error().message.find("must come after"), std::string::npos);
  EXPECT_FALSE(InspectCertificate("not a certificate"));
  EXPECT_FALSE(
      InspectCertificate("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"));
}

TEST_F(X509Test, CommonNameWithCommaIsKeptWhole) {
  auto key = NewKey();
  auto pem = CreateSelfSignedCertificate(key, random_, "Acme, Inc", {}, {}, kNow, kNow + kYear);
  ASSERT_TRUE(pem) << pem.error().message;
  auto info = InspectCertificate(*pem).value();
  EXPECT_NE(info.subject.find("Acme"), std::string::npos);
  EXPECT_NE(info.subject.find("Inc"), std::string::npos);
}

TEST_F(X509Test, MismatchedKeyIsRefused) {
  Issued issued = IssueLeaf();
  auto other = NewKey();
  auto status = CheckCertificateMatchesKey(issued.leaf_pem, other);
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find("different key"), std::string::npos);
  // Nor does a CA key sign with someone else's CA certificate.
  auto signed_with_wrong_key = SignCertificateRequest(other, issued.ca_pem, issued.csr_pem, random_,
                                                      kNow, kNow + kYear, false);
  ASSERT_FALSE(signed_with_wrong_key);
  EXPECT_NE(signed_with_wrong_key.error().message.find("does not belong"), std::string::npos);
}

TEST_F(X509Test, ExpiredAndNotYetValidAreDetected) {
  Issued issued = IssueLeaf(kNow - kYear, kNow);
  auto expired = VerifyCertificateChain(issued.leaf_pem, issued.ca_pem, kNow + kDay);
  ASSERT_FALSE(expired);
  EXPECT_NE(expired.error().message.find("certificate expired on 2026-01-01"), std::string::npos)
      << expired.error().message;
  EXPECT_EQ(expired.error().reason, "certificate-expired");

  auto early = VerifyCertificateChain(issued.leaf_pem, issued.ca_pem, kNow - 2 * kYear + kDay);
  // Before the CA's own start, too; the leaf's problem is the one reported.
  ASSERT_FALSE(early);
  EXPECT_NE(early.error().message.find("not yet valid"), std::string::npos)
      << early.error().message;

  // The last second of validity is still valid.
  EXPECT_TRUE(VerifyCertificateChain(issued.leaf_pem, issued.ca_pem, kNow));
}

TEST_F(X509Test, WrongCaIsRefused) {
  Issued issued = IssueLeaf();
  auto other_key = NewKey();
  // Same name, different key: only the signature tells them apart.
  auto other_ca =
      CreateCertificateAuthority(other_key, random_, "Test HQ CA", kNow - kYear, kNow + kYear)
          .value();
  auto status = VerifyCertificateChain(issued.leaf_pem, other_ca, kNow);
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find("not issued by the given CA"), std::string::npos)
      << status.error().message;
  // A bundle holding both accepts it.
  EXPECT_TRUE(VerifyCertificateChain(issued.leaf_pem, other_ca + issued.ca_pem, kNow));
}

TEST_F(X509Test, OpensslShowsOurSansAndValidity) {
  REQUIRE_OPENSSL();
  auto key = NewKey();
  auto pem = CreateSelfSignedCertificate(key, random_, "optin-box", {"optin.local"},
                                         {"10.0.0.7", "2001:db8::7"}, kNow, kNow + 2 * kYear)
                 .value();
  testing::WriteWholeFile(dir_ / "cert.pem", pem);
  auto [rc, text] =
      RunCommand("openssl x509 -in " + (dir_ / "cert.pem").string() + " -noout -text");
  ASSERT_EQ(rc, 0) << text;
  EXPECT_NE(text.find("DNS:optin.local"), std::string::npos) << text;
  EXPECT_NE(text.find("IP Address:10.0.0.7"), std::string::npos) << text;
  EXPECT_NE(text.find("IP Address:2001:DB8:0:0:0:0:0:7"), std::string::npos) << text;
  EXPECT_NE(text.find("Not Before: Jan  1 00:00:00 2026 GMT"), std::string::npos) << text;
  EXPECT_NE(text.find("Not After : Jan  1 00:00:00 2028 GMT"), std::string::npos) << text;
  EXPECT_NE(text.find("CA:FALSE"), std::string::npos) << text;
  EXPECT_NE(text.find("Digital Signature"), std::string::npos) << text;
  EXPECT_NE(text.find("TLS Web Server Authentication"), std::string::npos) << text;
  EXPECT_NE(text.find("TLS Web Client Authentication"), std::string::npos) << text;
  EXPECT_NE(text.find("ecdsa-with-SHA256"), std::string::npos) << text;
  EXPECT_NE(text.find("prime256v1"), std::string::npos) << text;

  // Our fingerprint is openssl's.
  auto [rc2, fp] = RunCommand("openssl x509 -in " + (dir_ / "cert.pem").string() +
                              " -noout -fingerprint -sha256");
  ASSERT_EQ(rc2, 0) << fp;
  std::string hex;
  for (char ch : fp.substr(fp.find('=') + 1)) {
    if (std::isxdigit(static_cast<unsigned char>(ch))) {
      hex += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
  }
  EXPECT_EQ(hex, InspectCertificate(pem)->sha256_fingerprint_hex);
}

TEST_F(X509Test, InspectsACertificateMadeByOpenssl) {
  REQUIRE_OPENSSL();
  const auto key = (dir_ / "k.pem").string(), cert = (dir_ / "c.pem").string();
  auto [rc, out] = RunCommand(
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + key +
      " -out " + cert +
      " -days 30 -subj '/O=Acme/CN=shop.example' -addext "
      "'subjectAltName=DNS:shop.example,DNS:*.shop.example,IP:192.0.2.5,IP:2001:db8::5'");
  ASSERT_EQ(rc, 0) << out;
  const std::string pem = testing::ReadWholeFile(cert);
  auto info = InspectCertificate(pem);
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->subject, "O=Acme, CN=shop.example");
  EXPECT_EQ(info->dns_names, (std::vector<std::string>{"shop.example", "*.shop.example"}));
  EXPECT_EQ(info->ip_addresses, (std::vector<std::string>{"192.0.2.5", "2001:db8::5"}));
  EXPECT_EQ(info->not_after - info->not_before, 30 * kDay);
  EXPECT_TRUE(info->is_ca);  // openssl req -x509 marks it CA:TRUE by default
  EXPECT_TRUE(CheckCertificateMatchesKey(
      pem, EcdsaPrivateKey::FromPem(testing::ReadWholeFile(key)).value()));
  EXPECT_FALSE(CheckCertificateMatchesKey(pem, NewKey()));
}

TEST(X509Time, FormatsUtc) {
  EXPECT_EQ(FormatUtc(0), "1970-01-01 00:00:00 UTC");
  EXPECT_EQ(FormatUtc(kNow), "2026-01-01 00:00:00 UTC");
  EXPECT_EQ(FormatUtc(951'782'400), "2000-02-29 00:00:00 UTC");
  EXPECT_EQ(FormatUtc(2'556'143'999), "2050-12-31 23:59:59 UTC");
}

TEST_F(X509Test, DatesPast2049UseGeneralizedTime) {
  auto key = NewKey();
  const int64_t y2060 = 2'840'140'800;  // 2060-01-01
  auto pem = CreateSelfSignedCertificate(key, random_, "far", {}, {}, kNow, y2060).value();
  EXPECT_EQ(InspectCertificate(pem)->not_after, y2060);
}

}  // namespace
}  // namespace optin::platform::x509_test
