// The box's TLS identity: its key and the certificate chain its listeners present. Loaded at
// start-up (and again on reload): the HQ-issued device.crt when one is installed and usable with
// the key at `now`, otherwise a self-signed certificate for the configured host names and
// addresses, created or renewed as needed. Immutable after Load(); thread-safe for reads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "platform/crypto.h"
#include "platform/error.h"
#include "platform/file_system.h"
#include "platform/random.h"
#include "platform/x509.h"

namespace optin::provisioning {

class DeviceIdentity {
 public:
  // How long a generated self-signed certificate is valid, and how long before its end it is
  // replaced.
  static constexpr int64_t kSelfSignedLifetimeSeconds = 2 * 365 * 86'400;
  static constexpr int64_t kSelfSignedRenewBeforeSeconds = 30 * 86'400;

  // Ensures <data_dir>/tls/device.key (P-256, mode 0600; a key file others may read is refused),
  // then picks <data_dir>/tls/device.crt if present, for this key and valid at `now`; otherwise
  // uses <data_dir>/tls/self-signed.crt, (re)creating it when it is missing, unreadable, for
  // another key, expired or expiring within 30 days, or for other host names / addresses.
  // `host_names` become DNS names and `ip_addresses` IP addresses in the self-signed
  // certificate's subjectAltName (with neither, "localhost").
  static Result<DeviceIdentity> Load(platform::FileSystem& fs, platform::Random& random,
                                     const std::filesystem::path& data_dir,
                                     const std::vector<std::string>& host_names,
                                     const std::vector<std::string>& ip_addresses, int64_t now);

  // PEM: the device certificate first, then any intermediates that came with it.
  const std::string& server_cert_chain_pem() const { return chain_pem_; }
  // PEM of the private key, for the TLS stream. Secret: never log it.
  const std::string& key_pem() const { return key_pem_; }
  const platform::EcdsaPrivateKey& key() const { return key_; }
  // True when the certificate in use is the HQ-issued device.crt.
  bool is_provisioned() const { return provisioned_; }
  // HQ's CA bundle (hq-ca.pem): trust anchors for HQ's server and for store client certificates.
  const std::optional<std::string>& hq_ca_pem() const { return hq_ca_pem_; }
  const std::optional<std::string>& store_id() const { return store_id_; }
  // The certificate in use (the first of the chain).
  const platform::CertificateInfo& certificate_info() const { return info_; }
  const std::filesystem::path& certificate_path() const { return cert_path_; }
  // Why an installed device.crt is not in use ("certificate expired on ..."), or empty.
  const std::string& fallback_reason() const { return fallback_reason_; }

 private:
  explicit DeviceIdentity(platform::EcdsaPrivateKey key) : key_(std::move(key)) {}

  platform::EcdsaPrivateKey key_;
  std::string key_pem_;
  std::string chain_pem_;
  bool provisioned_ = false;
  std::optional<std::string> hq_ca_pem_;
  std::optional<std::string> store_id_;
  platform::CertificateInfo info_;
  std::filesystem::path cert_path_;
  std::string fallback_reason_;
};

}  // namespace optin::provisioning
