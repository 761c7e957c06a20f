#include "provisioning/device_identity.h"

#include <algorithm>

#include "platform/log.h"
#include "provisioning/tls_files.h"

namespace optin::provisioning {
namespace {

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

// The names a self-signed certificate should carry.
struct WantedNames {
  std::vector<std::string> dns;
  std::vector<std::string> ips;  // canonical text
  std::string common_name;
};

Result<WantedNames> Wanted(const std::vector<std::string>& host_names,
                           const std::vector<std::string>& ip_addresses) {
  WantedNames w;
  w.dns = host_names;
  for (const auto& ip : ip_addresses) {
    OPTIN_ASSIGN_OR_RETURN(std::string canonical, platform::CanonicalIpAddress(ip));
    w.ips.push_back(std::move(canonical));
  }
  if (w.dns.empty() && w.ips.empty()) w.dns.push_back("localhost");
  w.common_name = !w.dns.empty() ? w.dns.front() : w.ips.front();
  return w;
}

// Why an existing self-signed certificate must be replaced, or empty if it can stay.
std::string ReasonToRenew(const std::string& pem, const platform::EcdsaPrivateKey& key,
                          const WantedNames& wanted, int64_t now) {
  auto info = platform::InspectCertificate(pem);
  if (!info) return "unreadable: " + info.error().message;
  if (!platform::CheckCertificateMatchesKey(pem, key)) return "for another key";
  if (now >= info->not_after - DeviceIdentity::kSelfSignedRenewBeforeSeconds) {
    return "expires on " + platform::FormatUtc(info->not_after);
  }
  if (now < info->not_before) return "not valid before " + platform::FormatUtc(info->not_before);
  if (Sorted(info->dns_names) != Sorted(wanted.dns) ||
      Sorted(info->ip_addresses) != Sorted(wanted.ips)) {
    return "made for other host names or addresses";
  }
  return {};
}

}  // namespace

Result<DeviceIdentity> DeviceIdentity::Load(platform::FileSystem& fs, platform::Random& random,
                                            const std::filesystem::path& data_dir,
                                            const std::vector<std::string>& host_names,
                                            const std::vector<std::string>& ip_addresses,
                                            int64_t now) {
  const TlsFiles files(data_dir);
  OPTIN_ASSIGN_OR_RETURN(DeviceKey device_key, LoadOrCreateDeviceKey(fs, random, files));
  DeviceIdentity identity(std::move(device_key.key));
  identity.key_pem_ = std::move(device_key.pem);
  OPTIN_ASSIGN_OR_RETURN(identity.store_id_, ReadStoreId(fs, files));
  OPTIN_ASSIGN_OR_RETURN(identity.hq_ca_pem_, ReadOptionalFile(fs, files.ca_bundle));

  OPTIN_ASSIGN_OR_RETURN(std::optional<std::string> device_cert, ReadOptionalFile(fs, files.cert));
  if (device_cert) {
    auto usable = CheckDeviceCertificate(*device_cert, identity.key_, now);
    if (usable) {
      OPTIN_ASSIGN_OR_RETURN(identity.info_, platform::InspectCertificate(*device_cert));
      identity.chain_pem_ = std::move(*device_cert);
      identity.provisioned_ = true;
      identity.cert_path_ = files.cert;
      return identity;
    }
    identity.fallback_reason_ = files.cert.string() + ": " + usable.error().message;
    platform::log::Warn("tls-device-certificate-unusable",
                        {{"file", files.cert.string()}, {"reason", usable.error().message}});
  }

  OPTIN_ASSIGN_OR_RETURN(WantedNames wanted, Wanted(host_names, ip_addresses));
  OPTIN_ASSIGN_OR_RETURN(std::optional<std::string> self_signed,
                         ReadOptionalFile(fs, files.self_signed_cert));
  std::string renew_reason =
      self_signed ? ReasonToRenew(*self_signed, identity.key_, wanted, now) : "missing";
  if (!renew_reason.empty()) {
    OPTIN_ASSIGN_OR_RETURN(std::string pem,
                           platform::CreateSelfSignedCertificate(
                               identity.key_, random, wanted.common_name, wanted.dns, wanted.ips,
                               now - 3600, now + kSelfSignedLifetimeSeconds));
    OPTIN_TRY(fs.WriteFileAtomic(files.self_signed_cert, pem, kPublicFileMode));
    platform::log::Info("tls-self-signed-certificate-created", {{"reason", renew_reason}});
    self_signed = std::move(pem);
  }
  OPTIN_ASSIGN_OR_RETURN(identity.info_, platform::InspectCertificate(*self_signed));
  identity.chain_pem_ = std::move(*self_signed);
  identity.cert_path_ = files.self_signed_cert;
  return identity;
}

}  // namespace optin::provisioning
