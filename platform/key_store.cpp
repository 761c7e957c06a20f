#include "platform/key_store.h"

#include <cstdio>
#include <optional>

namespace optin::platform {
namespace {

constexpr const char* kSigningKeyFile = "device-signing.pem";
constexpr const char* kSecretFile = "device-secret.bin";
constexpr size_t kSecretSize = 32;
constexpr mode_t kKeyFileMode = 0600;
constexpr mode_t kKeysDirMode = 0700;

// Reads an existing key file (after the permission check), or nullopt if there is none.
Result<std::optional<std::string>> ReadKeyFile(FileSystem& fs, const std::filesystem::path& path) {
  OPTIN_ASSIGN_OR_RETURN(bool exists, fs.Exists(path));
  if (!exists) return std::optional<std::string>();
  OPTIN_TRY(CheckKeyFileIsPrivate(fs, path));
  OPTIN_ASSIGN_OR_RETURN(std::string content, fs.ReadFile(path));
  return std::optional<std::string>(std::move(content));
}

}  // namespace

Status CheckKeyFileIsPrivate(FileSystem& fs, const std::filesystem::path& path) {
  OPTIN_ASSIGN_OR_RETURN(mode_t mode, fs.Mode(path));
  if ((mode & 077) != 0) {
    char octal[16];
    std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(mode & 07777));
    return Fail(ErrorCode::kPermissionDenied,
                "key file " + path.string() + " has mode " + octal +
                    " and is accessible to other users; run `chmod 600 " + path.string() +
                    "` (and check who may have copied it)",
                {}, "key-file-permissions");
  }
  return Ok();
}

KeyStore::KeyStore(EcdsaPrivateKey key, std::string secret, std::filesystem::path dir)
    : signing_key_(std::move(key)),
      signing_public_(signing_key_.PublicKey()),
      device_secret_(std::move(secret)),
      keys_dir_(std::move(dir)) {}

Result<std::unique_ptr<KeyStore>> KeyStore::Open(FileSystem& fs, Random& random,
                                                 const std::filesystem::path& data_dir) {
  const std::filesystem::path dir = data_dir / "keys";
  OPTIN_ASSIGN_OR_RETURN(bool dir_exists, fs.Exists(dir));
  if (!dir_exists) OPTIN_TRY(fs.CreateDirectories(dir, kKeysDirMode));

  const std::filesystem::path key_path = dir / kSigningKeyFile;
  OPTIN_ASSIGN_OR_RETURN(std::optional<std::string> pem, ReadKeyFile(fs, key_path));
  std::optional<EcdsaPrivateKey> key;
  if (pem) {
    auto parsed = EcdsaPrivateKey::FromPem(*pem);
    if (!parsed) {
      return Fail(ErrorCode::kDataLoss,
                  "key file " + key_path.string() +
                      " is not a usable EC P-256 private key: " + parsed.error().message);
    }
    key.emplace(std::move(*parsed));
  } else {
    OPTIN_ASSIGN_OR_RETURN(EcdsaPrivateKey generated, EcdsaPrivateKey::Generate(random));
    OPTIN_ASSIGN_OR_RETURN(std::string new_pem, generated.ToPem());
    OPTIN_TRY(fs.WriteFileAtomic(key_path, new_pem, kKeyFileMode));
    key.emplace(std::move(generated));
  }

  const std::filesystem::path secret_path = dir / kSecretFile;
  OPTIN_ASSIGN_OR_RETURN(std::optional<std::string> secret, ReadKeyFile(fs, secret_path));
  if (secret) {
    if (secret->size() != kSecretSize) {
      return Fail(ErrorCode::kDataLoss, "key file " + secret_path.string() + " holds " +
                                            std::to_string(secret->size()) +
                                            " bytes instead of 32");
    }
  } else {
    secret = random.Bytes(kSecretSize);
    OPTIN_TRY(fs.WriteFileAtomic(secret_path, *secret, kKeyFileMode));
  }

  return std::unique_ptr<KeyStore>(new KeyStore(std::move(*key), std::move(*secret), dir));
}

std::string KeyStore::DeriveKey(std::string_view label) const {
  return HmacSha256(device_secret_, label);
}

}  // namespace optin::platform
