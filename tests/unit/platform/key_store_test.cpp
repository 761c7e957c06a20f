#include "platform/key_store.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <set>

#include "platform/fault_injecting_file_system.h"
#include "tests/support/temp_dir.h"

namespace optin::platform::key_store_test {
namespace {

class KeyStoreTest : public ::testing::Test {
 protected:
  FileSystem& fs_ = FileSystem::Default();
  SeededRandom random_{1234};
  testing::TempDir dir_;
};

TEST_F(KeyStoreTest, KeyFilesAreCreatedWithMode0600InA0700Directory) {
  auto store = KeyStore::Open(fs_, random_, dir_.path());
  ASSERT_TRUE(store) << store.error().message;
  const auto keys = dir_ / "keys";
  EXPECT_EQ((*store)->keys_dir(), keys);
  EXPECT_EQ(fs_.Mode(keys).value(), 0700u);
  EXPECT_EQ(fs_.Mode(keys / "device-signing.pem").value(), 0600u);
  EXPECT_EQ(fs_.Mode(keys / "device-secret.bin").value(), 0600u);
  EXPECT_EQ(fs_.ReadFile(keys / "device-secret.bin").value().size(), 32u);
  const std::string pem = fs_.ReadFile(keys / "device-signing.pem").value();
  EXPECT_NE(pem.find("BEGIN EC PRIVATE KEY"), std::string::npos);
}

TEST_F(KeyStoreTest, ReopeningLoadsTheSameKeys) {
  auto first = KeyStore::Open(fs_, random_, dir_.path());
  ASSERT_TRUE(first);
  SeededRandom other_random(99);
  auto second = KeyStore::Open(fs_, other_random, dir_.path());
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ((*first)->SigningPublicKey().KeyId(), (*second)->SigningPublicKey().KeyId());
  EXPECT_EQ((*first)->DeriveKey("pseudonym"), (*second)->DeriveKey("pseudonym"));
  const std::string signature = (*second)->SigningKey().Sign("receipt", random_).value();
  EXPECT_TRUE((*first)->SigningPublicKey().Verify("receipt", signature));
}

TEST_F(KeyStoreTest, DerivedKeysAre32BytesAndDifferPerLabel) {
  auto store = KeyStore::Open(fs_, random_, dir_.path()).value();
  std::set<std::string> keys;
  for (const char* label : {"pseudonym", "presence", "token-hash", "at-rest"}) {
    const std::string key = store->DeriveKey(label);
    EXPECT_EQ(key.size(), 32u);
    keys.insert(key);
  }
  EXPECT_EQ(keys.size(), 4u);
  const std::string secret = fs_.ReadFile(dir_ / "keys" / "device-secret.bin").value();
  EXPECT_EQ(store->DeriveKey("at-rest"), HmacSha256(secret, "at-rest"));
}

TEST_F(KeyStoreTest, DifferentDevicesGetDifferentKeys) {
  testing::TempDir other_dir;
  SeededRandom other_random(5678);
  auto a = KeyStore::Open(fs_, random_, dir_.path()).value();
  auto b = KeyStore::Open(fs_, other_random, other_dir.path()).value();
  EXPECT_NE(a->SigningPublicKey().KeyId(), b->SigningPublicKey().KeyId());
  EXPECT_NE(a->DeriveKey("pseudonym"), b->DeriveKey("pseudonym"));
}

TEST_F(KeyStoreTest, RefusesAKeyFileReadableByOthers) {
  ASSERT_TRUE(KeyStore::Open(fs_, random_, dir_.path()));
  for (const char* name : {"device-signing.pem", "device-secret.bin"}) {
    const auto path = dir_ / "keys" / name;
    ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
    auto store = KeyStore::Open(fs_, random_, dir_.path());
    ASSERT_FALSE(store) << name;
    EXPECT_EQ(store.error().code, ErrorCode::kPermissionDenied);
    EXPECT_NE(store.error().message.find(path.string()), std::string::npos);
    EXPECT_NE(store.error().message.find("chmod 600"), std::string::npos);
    ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  }
  const auto path = dir_ / "keys" / "device-secret.bin";
  ASSERT_EQ(::chmod(path.c_str(), 0620), 0);  // group-writable is refused as well
  EXPECT_FALSE(KeyStore::Open(fs_, random_, dir_.path()));
}

TEST_F(KeyStoreTest, RefusesADeviceSecretOfTheWrongSize) {
  ASSERT_TRUE(KeyStore::Open(fs_, random_, dir_.path()));
  ASSERT_TRUE(fs_.WriteFileAtomic(dir_ / "keys" / "device-secret.bin", std::string(31, 's')));
  auto store = KeyStore::Open(fs_, random_, dir_.path());
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, ErrorCode::kDataLoss);
}

TEST_F(KeyStoreTest, RefusesACorruptSigningKey) {
  ASSERT_TRUE(KeyStore::Open(fs_, random_, dir_.path()));
  ASSERT_TRUE(fs_.WriteFileAtomic(dir_ / "keys" / "device-signing.pem", "garbage"));
  auto store = KeyStore::Open(fs_, random_, dir_.path());
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, ErrorCode::kDataLoss);
}

TEST_F(KeyStoreTest, OpenFailingAtAnyWriteStepLeavesAStoreThatOpensLater) {
  // Fail on the Nth mutating operation for N = 0, 1, 2, ... until Open succeeds. Each failure
  // must be reported, and a later Open on the same directory must complete the store.
  int n = 0;
  for (;; ++n) {
    ASSERT_LT(n, 10);
    testing::TempDir dir;
    FaultInjectingFileSystem faulty(fs_);
    faulty.FailAfter(n);
    auto store = KeyStore::Open(faulty, random_, dir.path());
    if (store) break;
    EXPECT_EQ(store.error().code, ErrorCode::kResourceExhausted) << store.error().message;
    faulty.Heal();
    auto healed = KeyStore::Open(faulty, random_, dir.path());
    ASSERT_TRUE(healed) << "after failing at step " << n << ": " << healed.error().message;
    EXPECT_EQ(fs_.Mode(dir / "keys" / "device-signing.pem").value(), 0600u);
    EXPECT_EQ(fs_.Mode(dir / "keys" / "device-secret.bin").value(), 0600u);
    auto again = KeyStore::Open(fs_, random_, dir.path());
    ASSERT_TRUE(again);
    EXPECT_EQ(again.value()->SigningPublicKey().KeyId(),
              healed.value()->SigningPublicKey().KeyId());
  }
  EXPECT_EQ(n, 3);  // creating the keys directory, the signing key and the secret
}

}  // namespace
}  // namespace optin::platform::key_store_test
