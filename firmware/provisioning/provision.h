// Provisioning a box with an HQ-issued identity, for `optinctl provision`: write a certificate
// request, install what HQ's CA sends back (all checked before anything is written), and
// describe the current state. Stateless functions over a FileSystem; run by one process at a
// time (the installer's command), not concurrently with each other.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "platform/error.h"
#include "platform/file_system.h"
#include "platform/random.h"
#include "platform/x509.h"

namespace optin::provisioning {

// What is on the box now (read-only: nothing is created).
struct ProvisioningState {
  std::filesystem::path tls_dir;
  std::optional<std::string> store_id;
  bool has_key = false;
  std::optional<std::string> csr_pem;                    // device.csr
  std::optional<platform::CertificateInfo> device_cert;  // device.crt (first certificate)
  // Why device.crt is not usable now (parse, key, CA flag, validity: what DeviceIdentity::Load
  // checks); empty if it is.
  std::string device_cert_problem;
  // Whether device.crt chains to hq-ca.pem at `now` (a warning: Load does not require it).
  std::string chain_problem;
  std::optional<platform::CertificateInfo> self_signed;  // self-signed.crt
  std::vector<platform::CertificateInfo> ca_bundle;      // hq-ca.pem
  std::string ca_bundle_problem;
  bool hq_token_key_present = false;

  bool provisioned() const { return device_cert.has_value() && device_cert_problem.empty(); }
};

struct Provision {
  // Writes <data_dir>/tls/store-id and a CSR (CN = store id, subjectAltName = host names) to
  // <data_dir>/tls/device.csr, creating device.key if there is none (an existing key is kept,
  // so a request can be repeated). Returns the CSR PEM.
  static Result<std::string> CreateRequest(platform::FileSystem& fs, platform::Random& random,
                                           const std::filesystem::path& data_dir,
                                           std::string_view store_id,
                                           const std::vector<std::string>& host_names);

  // Checks that `cert_pem` (device certificate, then any intermediates) parses, belongs to
  // device.key, is not a CA, chains to `ca_bundle_pem` and is valid at `now`, that the CA bundle
  // parses, and that `hq_token_key_pem` (if given) is a P-256 public key. Only then writes
  // hq-ca.pem, the HQ token key (to `hq_token_key_path`, default <data_dir>/keys/hq-token.pub)
  // and device.crt (last), each atomically; if a write fails, the files already written are
  // put back as they were. On any error the box is left as it was.
  static Status Install(platform::FileSystem& fs, const std::filesystem::path& data_dir,
                        std::string_view cert_pem, std::string_view ca_bundle_pem,
                        std::optional<std::string> hq_token_key_pem, int64_t now,
                        std::optional<std::filesystem::path> hq_token_key_path = std::nullopt);

  // Reads the state for `optinctl provision show`; problems with individual files are
  // reported in the result, only I/O failures as errors.
  static Result<ProvisioningState> Describe(
      platform::FileSystem& fs, const std::filesystem::path& data_dir, int64_t now,
      std::optional<std::filesystem::path> hq_token_key_path = std::nullopt);
};

}  // namespace optin::provisioning
