// The device's own keys, as files with mode 0600 under <data_dir>/keys, created on first open:
//   device-signing.pem   ECDSA P-256 key that signs receipts and batches
//   device-secret.bin    32 random bytes from which purpose-specific keys are derived
// Immutable after Open(); thread-safe for reads.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "platform/crypto.h"
#include "platform/error.h"
#include "platform/file_system.h"
#include "platform/random.h"

namespace optin::platform {

// Refuses (kPermissionDenied, reason "key-file-permissions") a key file that anyone but its
// owner can read or write, saying how to fix it.
Status CheckKeyFileIsPrivate(FileSystem& fs, const std::filesystem::path& path);

class KeyStore {
 public:
  // Loads the keys, generating any that are missing. Refuses key files readable by others.
  static Result<std::unique_ptr<KeyStore>> Open(FileSystem& fs, Random& random,
                                                const std::filesystem::path& data_dir);

  const EcdsaPrivateKey& SigningKey() const { return signing_key_; }
  const EcdsaPublicKey& SigningPublicKey() const { return signing_public_; }

  // A 32-byte key for one use, derived from the device secret: HMAC-SHA256(secret, label).
  // Labels in use: "pseudonym", "presence", "token-hash", "at-rest".
  std::string DeriveKey(std::string_view label) const;

  std::filesystem::path keys_dir() const { return keys_dir_; }

 private:
  KeyStore(EcdsaPrivateKey key, std::string secret, std::filesystem::path dir);
  EcdsaPrivateKey signing_key_;
  EcdsaPublicKey signing_public_;
  std::string device_secret_;
  std::filesystem::path keys_dir_;
};

}  // namespace optin::platform
