// Where the box keeps its TLS material, and the few file rules shared by DeviceIdentity and
// Provision: <data_dir>/tls/ holds device.key (0600), self-signed.crt, device.csr, device.crt,
// hq-ca.pem and store-id; HQ's token key goes to <data_dir>/keys/hq-token.pub.
// Plain functions over a FileSystem; thread-safe as the FileSystem is.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>

#include "platform/crypto.h"
#include "platform/error.h"
#include "platform/file_system.h"
#include "platform/random.h"
#include "platform/x509.h"

namespace optin::provisioning {

struct TlsFiles {
  explicit TlsFiles(const std::filesystem::path& data_dir)
      : dir(data_dir / "tls"),
        key(dir / "device.key"),
        self_signed_cert(dir / "self-signed.crt"),
        csr(dir / "device.csr"),
        cert(dir / "device.crt"),
        ca_bundle(dir / "hq-ca.pem"),
        store_id(dir / "store-id"),
        hq_token_key(data_dir / "keys" / "hq-token.pub") {}

  std::filesystem::path dir;
  std::filesystem::path key;
  std::filesystem::path self_signed_cert;
  std::filesystem::path csr;
  std::filesystem::path cert;
  std::filesystem::path ca_bundle;
  std::filesystem::path store_id;
  std::filesystem::path hq_token_key;  // the default; the config may name another file
};

inline constexpr mode_t kPrivateFileMode = 0600;
inline constexpr mode_t kPublicFileMode = 0644;
inline constexpr mode_t kTlsDirMode = 0700;

// The device's TLS key and its PEM text.
struct DeviceKey {
  platform::EcdsaPrivateKey key;
  std::string pem;
};

// Reads device.key (refusing a file that others may read or write), or nullopt if absent.
Result<std::optional<DeviceKey>> ReadDeviceKey(platform::FileSystem& fs, const TlsFiles& files);
// Reads device.key, creating the directory and a fresh P-256 key (mode 0600) if there is none.
Result<DeviceKey> LoadOrCreateDeviceKey(platform::FileSystem& fs, platform::Random& random,
                                        const TlsFiles& files);

// The file's content, or nullopt if it does not exist.
Result<std::optional<std::string>> ReadOptionalFile(platform::FileSystem& fs,
                                                    const std::filesystem::path& path);

// The store id in the store-id file (surrounding whitespace removed), or nullopt.
Result<std::optional<std::string>> ReadStoreId(platform::FileSystem& fs, const TlsFiles& files);

// Ok if `cert_pem` parses, is for `key`, is not a CA certificate and is valid at `now`; the
// error says which of these fails ("certificate expired on ...").
Status CheckDeviceCertificate(std::string_view cert_pem, const platform::EcdsaPrivateKey& key,
                              int64_t now);

// Store ids are 1-64 characters of [A-Za-z0-9._-].
Status CheckStoreId(std::string_view store_id);

}  // namespace optin::provisioning
