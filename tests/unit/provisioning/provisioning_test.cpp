#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "platform/crypto.h"
#include "platform/file_system.h"
#include "platform/random.h"
#include "platform/x509.h"
#include "provisioning/device_identity.h"
#include "provisioning/provision.h"
#include "provisioning/tls_files.h"
#include "tests/support/ca/test_ca.h"
#include "tests/support/temp_dir.h"

namespace optin::provisioning::provisioning_test {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kNow = 1'767'225'600;  // 2026-01-01 00:00:00 UTC
constexpr int64_t kDay = 86'400;
constexpr int64_t kYear = 365 * kDay;

const std::vector<std::string> kHosts = {"optin.local", "box.store-042.example"};
const std::vector<std::string> kIps = {"192.168.1.20", "fd00::20"};

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

mode_t ModeOf(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

// Every file under `root` with its mode and content: "the box as it is".
std::map<std::string, std::string> Snapshot(const fs::path& root) {
  std::map<std::string, std::string> out;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    const std::string rel = fs::relative(entry.path(), root).string();
    if (entry.is_directory()) {
      out[rel + "/"] = std::to_string(ModeOf(entry.path()));
    } else {
      out[rel] = std::to_string(ModeOf(entry.path())) + ":" + ReadAll(entry.path());
    }
  }
  return out;
}

// Forwards to the real file system; the `fail_at`-th WriteFileAtomic (0-based) fails once.
class FailNthWrite final : public platform::FileSystem {
 public:
  explicit FailNthWrite(int fail_at) : fail_at_(fail_at) {}
  Result<std::string> ReadFile(const fs::path& p) override { return base().ReadFile(p); }
  Status WriteFileAtomic(const fs::path& p, std::string_view data, mode_t mode) override {
    if (writes_++ == fail_at_) return Fail(ErrorCode::kIo, "injected: no space left on device");
    return base().WriteFileAtomic(p, data, mode);
  }
  Status CreateDirectories(const fs::path& p, mode_t mode) override {
    return base().CreateDirectories(p, mode);
  }
  Result<bool> Exists(const fs::path& p) override { return base().Exists(p); }
  Status Remove(const fs::path& p) override { return base().Remove(p); }
  Result<std::vector<fs::path>> List(const fs::path& d) override { return base().List(d); }
  Result<mode_t> Mode(const fs::path& p) override { return base().Mode(p); }
  Result<uint64_t> FileSize(const fs::path& p) override { return base().FileSize(p); }
  Status Admit(FileOp op, const fs::path& p, size_t& bytes) override {
    return base().Admit(op, p, bytes);
  }
  Result<int> OpenDevice(const fs::path& p, int flags) override {
    return base().OpenDevice(p, flags);
  }
  int writes() const { return writes_; }

 private:
  static platform::FileSystem& base() { return platform::FileSystem::Default(); }
  int fail_at_;
  int writes_ = 0;
};

class ProvisioningTest : public ::testing::Test {
 protected:
  ProvisioningTest() {
    ca_pem_ = testing::CreateCertificateAuthority(ca_key_, random_, "Test HQ CA", kNow - kYear,
                                                  kNow + 10 * kYear)
                  .value();
    hq_token_pub_ = hq_token_key_.PublicKey().ToPem().value();
  }

  Result<DeviceIdentity> Load(int64_t now = kNow, std::vector<std::string> hosts = kHosts) {
    return DeviceIdentity::Load(fs_, random_, dir_.path(), hosts, kIps, now);
  }

  // CreateRequest + the CA signs the CSR.
  std::string RequestAndSign(int64_t not_before = kNow - kDay, int64_t not_after = kNow + kYear) {
    auto csr = Provision::CreateRequest(fs_, random_, dir_.path(), "store-042", kHosts);
    EXPECT_TRUE(csr) << csr.error().message;
    return testing::SignCertificateRequest(ca_key_, ca_pem_, *csr, random_, not_before, not_after,
                                           true)
        .value();
  }

  platform::FileSystem& fs_ = platform::FileSystem::Default();
  platform::SeededRandom random_{7};
  testing::TempDir dir_;
  TlsFiles files_{dir_.path()};
  platform::EcdsaPrivateKey ca_key_ = platform::EcdsaPrivateKey::Generate(random_).value();
  std::string ca_pem_;
  platform::EcdsaPrivateKey hq_token_key_ = platform::EcdsaPrivateKey::Generate(random_).value();
  std::string hq_token_pub_;
};

TEST_F(ProvisioningTest, FirstLoadCreatesPrivateKeyAndSelfSignedCertificate) {
  auto identity = Load();
  ASSERT_TRUE(identity) << identity.error().message;
  EXPECT_TRUE(fs::exists(files_.key));
  EXPECT_EQ(ModeOf(files_.key), 0600u);
  EXPECT_EQ(ModeOf(files_.dir), 0700u);
  EXPECT_TRUE(fs::exists(files_.self_signed_cert));
  EXPECT_FALSE(identity->is_provisioned());
  EXPECT_EQ(identity->certificate_path(), files_.self_signed_cert);
  EXPECT_EQ(identity->key_pem(), ReadAll(files_.key));
  EXPECT_EQ(identity->server_cert_chain_pem(), ReadAll(files_.self_signed_cert));
  EXPECT_FALSE(identity->hq_ca_pem());
  EXPECT_FALSE(identity->store_id());

  const auto& info = identity->certificate_info();
  EXPECT_EQ(info.subject, "CN=optin.local");
  EXPECT_EQ(info.dns_names, kHosts);
  EXPECT_EQ(info.ip_addresses, kIps);
  EXPECT_LE(info.not_before, kNow);
  EXPECT_EQ(info.not_after, kNow + DeviceIdentity::kSelfSignedLifetimeSeconds);
  EXPECT_TRUE(
      platform::CheckCertificateMatchesKey(identity->server_cert_chain_pem(), identity->key()));
}

TEST_F(ProvisioningTest, SecondLoadReusesKeyAndCertificate) {
  auto first = Load().value();
  const auto before = Snapshot(dir_.path());
  auto second = Load(kNow + 30 * kDay).value();
  EXPECT_EQ(second.certificate_info().sha256_fingerprint_hex,
            first.certificate_info().sha256_fingerprint_hex);
  EXPECT_EQ(second.key_pem(), first.key_pem());
  EXPECT_EQ(Snapshot(dir_.path()), before);
}

TEST_F(ProvisioningTest, ExpiredSelfSignedCertificateIsRenewed) {
  auto first = Load().value();
  const int64_t later = kNow + 3 * kYear;
  auto second = Load(later).value();
  EXPECT_NE(second.certificate_info().sha256_fingerprint_hex,
            first.certificate_info().sha256_fingerprint_hex);
  EXPECT_EQ(second.key_pem(), first.key_pem());  // same key, new certificate
  EXPECT_EQ(second.certificate_info().not_after,
            later + DeviceIdentity::kSelfSignedLifetimeSeconds);
  EXPECT_EQ(platform::InspectCertificate(ReadAll(files_.self_signed_cert))->sha256_fingerprint_hex,
            second.certificate_info().sha256_fingerprint_hex);
}

TEST_F(ProvisioningTest, CertificateAboutToExpireIsRenewed) {
  auto first = Load().value();
  auto second = Load(first.certificate_info().not_after - 5 * kDay).value();
  EXPECT_NE(second.certificate_info().sha256_fingerprint_hex,
            first.certificate_info().sha256_fingerprint_hex);
}

TEST_F(ProvisioningTest, ChangedHostNamesRenewTheSelfSignedCertificate) {
  auto first = Load().value();
  auto second = Load(kNow, {"new-name.local"}).value();
  EXPECT_NE(second.certificate_info().sha256_fingerprint_hex,
            first.certificate_info().sha256_fingerprint_hex);
  EXPECT_EQ(second.certificate_info().dns_names, std::vector<std::string>{"new-name.local"});
  // Same names in another order and spelling of the addresses: kept.
  auto third = DeviceIdentity::Load(fs_, random_, dir_.path(), {"new-name.local"},
                                    {"fd00:0:0::20", "192.168.1.20"}, kNow)
                   .value();
  EXPECT_EQ(third.certificate_info().sha256_fingerprint_hex,
            second.certificate_info().sha256_fingerprint_hex);
}

TEST_F(ProvisioningTest, NoNamesMeansLocalhost) {
  auto identity = DeviceIdentity::Load(fs_, random_, dir_.path(), {}, {}, kNow).value();
  EXPECT_EQ(identity.certificate_info().dns_names, std::vector<std::string>{"localhost"});
}

TEST_F(ProvisioningTest, KeyReadableByOthersIsRefused) {
  ASSERT_TRUE(Load());
  fs::permissions(files_.key, fs::perms::group_read | fs::perms::others_read,
                  fs::perm_options::add);
  auto identity = Load();
  ASSERT_FALSE(identity);
  EXPECT_EQ(identity.error().code, ErrorCode::kPermissionDenied);
  EXPECT_NE(identity.error().message.find("chmod 600"), std::string::npos);
}

TEST_F(ProvisioningTest, CorruptKeyIsReportedNotReplaced) {
  ASSERT_TRUE(Load());
  ASSERT_TRUE(fs_.WriteFileAtomic(files_.key, "garbage", 0600));
  auto identity = Load();
  ASSERT_FALSE(identity);
  EXPECT_EQ(identity.error().code, ErrorCode::kDataLoss);
  EXPECT_EQ(ReadAll(files_.key), "garbage");
}

TEST_F(ProvisioningTest, ProvisioningEndToEnd) {
  ASSERT_TRUE(Load());  // a first start, with a self-signed certificate
  auto csr = Provision::CreateRequest(fs_, random_, dir_.path(), "store-042", kHosts);
  ASSERT_TRUE(csr) << csr.error().message;
  EXPECT_EQ(ReadAll(files_.csr), *csr);
  EXPECT_EQ(ReadAll(files_.store_id), "store-042\n");
  const std::string leaf = testing::SignCertificateRequest(ca_key_, ca_pem_, *csr, random_,
                                                           kNow - kDay, kNow + kYear, true)
                               .value();

  auto installed = Provision::Install(fs_, dir_.path(), leaf, ca_pem_, hq_token_pub_, kNow);
  ASSERT_TRUE(installed) << installed.error().message;
  EXPECT_EQ(ReadAll(files_.cert), leaf);
  EXPECT_EQ(ReadAll(files_.ca_bundle), ca_pem_);
  EXPECT_EQ(ReadAll(files_.hq_token_key), hq_token_pub_);

  auto identity = Load();
  ASSERT_TRUE(identity) << identity.error().message;
  EXPECT_TRUE(identity->is_provisioned());
  EXPECT_EQ(identity->certificate_path(), files_.cert);
  EXPECT_EQ(identity->server_cert_chain_pem(), leaf);
  EXPECT_EQ(identity->certificate_info().subject, "CN=store-042");
  EXPECT_EQ(identity->certificate_info().issuer, "CN=Test HQ CA");
  EXPECT_EQ(identity->certificate_info().dns_names, kHosts);
  EXPECT_EQ(identity->store_id(), "store-042");
  EXPECT_EQ(identity->hq_ca_pem(), ca_pem_);
  EXPECT_TRUE(identity->fallback_reason().empty());

  auto state = Provision::Describe(fs_, dir_.path(), kNow).value();
  EXPECT_TRUE(state.provisioned());
  EXPECT_TRUE(state.chain_problem.empty()) << state.chain_problem;
  EXPECT_EQ(state.store_id, "store-042");
  EXPECT_TRUE(state.has_key);
  EXPECT_TRUE(state.hq_token_key_present);
  ASSERT_EQ(state.ca_bundle.size(), 1u);
  EXPECT_TRUE(state.ca_bundle[0].is_ca);
}

TEST_F(ProvisioningTest, RepeatedRequestKeepsTheKey) {
  auto first = Provision::CreateRequest(fs_, random_, dir_.path(), "store-042", kHosts).value();
  const std::string key = ReadAll(files_.key);
  auto second = Provision::CreateRequest(fs_, random_, dir_.path(), "store-042", kHosts).value();
  EXPECT_EQ(ReadAll(files_.key), key);
  EXPECT_EQ(ModeOf(files_.key), 0600u);
}

TEST_F(ProvisioningTest, RequestRefusesABadStoreId) {
  auto csr = Provision::CreateRequest(fs_, random_, dir_.path(), "store 42/..", kHosts);
  ASSERT_FALSE(csr);
  EXPECT_EQ(csr.error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(fs::exists(files_.dir));
}

TEST_F(ProvisioningTest, ExpiredDeviceCertificateFallsBackToSelfSigned) {
  const std::string leaf = RequestAndSign(kNow - kDay, kNow + 30 * kDay);
  ASSERT_TRUE(Provision::Install(fs_, dir_.path(), leaf, ca_pem_, std::nullopt, kNow));
  auto identity = Load(kNow + 60 * kDay).value();
  EXPECT_FALSE(identity.is_provisioned());
  EXPECT_EQ(identity.certificate_path(), files_.self_signed_cert);
  EXPECT_NE(identity.fallback_reason().find("expired"), std::string::npos)
      << identity.fallback_reason();
  auto state = Provision::Describe(fs_, dir_.path(), kNow + 60 * kDay).value();
  EXPECT_FALSE(state.provisioned());
  EXPECT_NE(state.device_cert_problem.find("expired"), std::string::npos);
}

class InstallRefusalTest : public ProvisioningTest {
 protected:
  // Provisions the box once (so there is something to overwrite), then makes a new request
  // for a second installation.
  void SetUp() override {
    ASSERT_TRUE(Load());
    const std::string first = RequestAndSign();
    ASSERT_TRUE(Provision::Install(fs_, dir_.path(), first, ca_pem_, hq_token_pub_, kNow));
    good_leaf_ = RequestAndSign();
    before_ = Snapshot(dir_.path());
  }

  void ExpectRefused(std::string_view cert, std::string_view ca, std::optional<std::string> hq,
                     std::string_view message_part, int64_t now = kNow) {
    auto status = Provision::Install(fs_, dir_.path(), cert, ca, std::move(hq), now);
    ASSERT_FALSE(status);
    EXPECT_NE(status.error().message.find(message_part), std::string::npos)
        << status.error().message;
    EXPECT_EQ(Snapshot(dir_.path()), before_) << "a refused install changed files";
  }

  std::string good_leaf_;
  std::map<std::string, std::string> before_;
};

TEST_F(InstallRefusalTest, GoodInputIsAccepted) {
  ASSERT_TRUE(Provision::Install(fs_, dir_.path(), good_leaf_, ca_pem_, hq_token_pub_, kNow));
  EXPECT_NE(Snapshot(dir_.path()), before_);
}

TEST_F(InstallRefusalTest, CertificateForAnotherKey) {
  auto other_key = platform::EcdsaPrivateKey::Generate(random_).value();
  auto csr = platform::CreateCertificateSigningRequest(other_key, random_, "store-042", kHosts);
  auto leaf = testing::SignCertificateRequest(ca_key_, ca_pem_, *csr, random_, kNow - kDay,
                                              kNow + kYear, true)
                  .value();
  ExpectRefused(leaf, ca_pem_, hq_token_pub_, "different key");
}

TEST_F(InstallRefusalTest, CertificateFromAnotherCa) {
  auto other_ca_key = platform::EcdsaPrivateKey::Generate(random_).value();
  auto other_ca = testing::CreateCertificateAuthority(other_ca_key, random_, "Other CA",
                                                      kNow - kYear, kNow + kYear)
                      .value();
  ExpectRefused(good_leaf_, other_ca, hq_token_pub_, "not issued by the given CA");
}

TEST_F(InstallRefusalTest, ExpiredCertificate) {
  ExpectRefused(good_leaf_, ca_pem_, hq_token_pub_, "certificate expired on", kNow + 2 * kYear);
  const std::string old_leaf = RequestAndSign(kNow - 2 * kYear, kNow - kYear);
  before_ = Snapshot(dir_.path());  // the request rewrote device.csr
  ExpectRefused(old_leaf, ca_pem_, hq_token_pub_, "certificate expired on");
}

TEST_F(InstallRefusalTest, NotYetValidCertificate) {
  const std::string future_leaf = RequestAndSign(kNow + kYear, kNow + 2 * kYear);
  before_ = Snapshot(dir_.path());
  ExpectRefused(future_leaf, ca_pem_, hq_token_pub_, "not yet valid");
}

TEST_F(InstallRefusalTest, BadHqTokenKey) {
  ExpectRefused(good_leaf_, ca_pem_, std::string("not a key"), "HQ token key");
  // A private key is not a public key.
  ExpectRefused(good_leaf_, ca_pem_, hq_token_key_.ToPem().value(), "HQ token key");
}

TEST_F(InstallRefusalTest, GarbageCertificateOrBundle) {
  ExpectRefused("garbage", ca_pem_, hq_token_pub_, "certificate");
  ExpectRefused(good_leaf_, "garbage", hq_token_pub_, "CA bundle");
  // The CA's own certificate is not a device certificate (and not for this key).
  ExpectRefused(ca_pem_, ca_pem_, hq_token_pub_, "refused");
}

TEST_F(InstallRefusalTest, FailedWriteLeavesTheBoxAsItWas) {
  // New content for every file: a bigger bundle and a rotated HQ token key.
  auto other_ca_key = platform::EcdsaPrivateKey::Generate(random_).value();
  const std::string bundle = testing::CreateCertificateAuthority(other_ca_key, random_, "Next CA",
                                                                 kNow - kYear, kNow + kYear)
                                 .value() +
                             ca_pem_;
  const std::string next_token_key = other_ca_key.PublicKey().ToPem().value();
  // Fail the 1st, 2nd, 3rd ... write until the install goes through: each failure restores.
  for (int n = 0;; ++n) {
    FailNthWrite faulty(n);
    auto status = Provision::Install(faulty, dir_.path(), good_leaf_, bundle, next_token_key, kNow);
    if (status) {
      EXPECT_GE(n, 3);
      break;
    }
    EXPECT_NE(status.error().message.find("injected"), std::string::npos);
    EXPECT_EQ(Snapshot(dir_.path()), before_) << "after failing write " << n;
    ASSERT_LT(n, 10);
  }
  EXPECT_EQ(ReadAll(files_.cert), good_leaf_);
  EXPECT_EQ(ReadAll(files_.ca_bundle), bundle);
  EXPECT_EQ(ReadAll(files_.hq_token_key), next_token_key);
}

TEST_F(ProvisioningTest, InstallBeforeRequestIsRefused) {
  auto status = Provision::Install(fs_, dir_.path(), ca_pem_, ca_pem_, std::nullopt, kNow);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(status.error().message.find("provision request"), std::string::npos);
}

}  // namespace
}  // namespace optin::provisioning::provisioning_test
