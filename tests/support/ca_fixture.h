// What the certificate tests share (tests/unit/platform/x509_test.cpp and
// tests/unit/support/test_ca_test.cpp): a fixed "now", a test CA issuing a leaf from a CSR around
// it (tests/support/ca/test_ca.h), whole-file reads and writes for the openssl command's files,
// and a skip where openssl is not installed. Header-only; each fixture object is used by one
// test thread.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "platform/random.h"
#include "platform/x509.h"
#include "tests/support/ca/test_ca.h"
#include "tests/support/run_command.h"
#include "tests/support/temp_dir.h"

namespace optin::testing {

constexpr int64_t kCaTestNow = 1'767'225'600;  // 2026-01-01 00:00:00 UTC
constexpr int64_t kCaTestDay = 86'400;
constexpr int64_t kCaTestYear = 365 * kCaTestDay;

inline void WriteWholeFile(const std::filesystem::path& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

inline std::string ReadWholeFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline bool HaveOpenssl() { return RunCommand("openssl version").exit_code == 0; }

#define REQUIRE_OPENSSL() \
  if (!::optin::testing::HaveOpenssl()) GTEST_SKIP() << "the openssl command is not installed"

class CaFixture : public ::testing::Test {
 protected:
  platform::EcdsaPrivateKey NewKey() {
    return platform::EcdsaPrivateKey::Generate(random_).value();
  }

  // A CA and a leaf issued from a CSR, valid around kCaTestNow.
  struct Issued {
    platform::EcdsaPrivateKey ca_key;
    std::string ca_pem;
    platform::EcdsaPrivateKey leaf_key;
    std::string csr_pem;
    std::string leaf_pem;
  };
  Issued IssueLeaf(int64_t not_before = kCaTestNow - kCaTestDay,
                   int64_t not_after = kCaTestNow + kCaTestYear) {
    auto ca_key = NewKey();
    auto ca_pem =
        CreateCertificateAuthority(ca_key, random_, "Test HQ CA", kCaTestNow - kCaTestYear,
                                   kCaTestNow + 10 * kCaTestYear)
            .value();
    auto leaf_key = NewKey();
    auto csr_pem = platform::CreateCertificateSigningRequest(
                       leaf_key, random_, "store-042", {"box.store-042.example", "optin.local"})
                       .value();
    auto leaf_pem = SignCertificateRequest(ca_key, ca_pem, csr_pem, random_, not_before, not_after,
                                           /*client_and_server=*/true)
                        .value();
    return Issued{std::move(ca_key), std::move(ca_pem), std::move(leaf_key), std::move(csr_pem),
                  std::move(leaf_pem)};
  }

  platform::SeededRandom random_{42};
  TempDir dir_;
};

}  // namespace optin::testing
