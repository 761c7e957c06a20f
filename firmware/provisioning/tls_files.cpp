#include "provisioning/tls_files.h"

#include <cstdio>

#include "platform/key_store.h"

namespace optin::provisioning {

Result<std::optional<std::string>> ReadOptionalFile(platform::FileSystem& fs,
                                                    const std::filesystem::path& path) {
  OPTIN_ASSIGN_OR_RETURN(bool exists, fs.Exists(path));
  if (!exists) return std::optional<std::string>();
  OPTIN_ASSIGN_OR_RETURN(std::string content, fs.ReadFile(path));
  return std::optional<std::string>(std::move(content));
}

Result<std::optional<DeviceKey>> ReadDeviceKey(platform::FileSystem& fs, const TlsFiles& files) {
  OPTIN_ASSIGN_OR_RETURN(bool exists, fs.Exists(files.key));
  if (!exists) return std::optional<DeviceKey>();
  OPTIN_TRY(platform::CheckKeyFileIsPrivate(fs, files.key));
  OPTIN_ASSIGN_OR_RETURN(std::string pem, fs.ReadFile(files.key));
  auto key = platform::EcdsaPrivateKey::FromPem(pem);
  if (!key) {
    return Fail(ErrorCode::kDataLoss,
                "key file " + files.key.string() +
                    " is not a usable EC P-256 private key: " + key.error().message);
  }
  return std::optional<DeviceKey>(DeviceKey{std::move(*key), std::move(pem)});
}

Result<DeviceKey> LoadOrCreateDeviceKey(platform::FileSystem& fs, platform::Random& random,
                                        const TlsFiles& files) {
  OPTIN_ASSIGN_OR_RETURN(bool dir_exists, fs.Exists(files.dir));
  if (!dir_exists) OPTIN_TRY(fs.CreateDirectories(files.dir, kTlsDirMode));
  OPTIN_ASSIGN_OR_RETURN(std::optional<DeviceKey> existing, ReadDeviceKey(fs, files));
  if (existing) return std::move(*existing);
  OPTIN_ASSIGN_OR_RETURN(platform::EcdsaPrivateKey key,
                         platform::EcdsaPrivateKey::Generate(random));
  OPTIN_ASSIGN_OR_RETURN(std::string pem, key.ToPem());
  OPTIN_TRY(fs.WriteFileAtomic(files.key, pem, kPrivateFileMode));
  return DeviceKey{std::move(key), std::move(pem)};
}

Result<std::optional<std::string>> ReadStoreId(platform::FileSystem& fs, const TlsFiles& files) {
  OPTIN_ASSIGN_OR_RETURN(std::optional<std::string> text, ReadOptionalFile(fs, files.store_id));
  if (!text) return text;
  const size_t begin = text->find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return std::optional<std::string>();
  const size_t end = text->find_last_not_of(" \t\r\n");
  return std::optional<std::string>(text->substr(begin, end - begin + 1));
}

Status CheckDeviceCertificate(std::string_view cert_pem, const platform::EcdsaPrivateKey& key,
                              int64_t now) {
  OPTIN_ASSIGN_OR_RETURN(platform::CertificateInfo info, platform::InspectCertificate(cert_pem));
  OPTIN_TRY(platform::CheckCertificateMatchesKey(cert_pem, key));
  if (info.is_ca) {
    return Fail(
        ErrorCode::kInvalidArgument,
        "the certificate of " + info.subject + " is a CA certificate, not a device certificate", {},
        "certificate-is-ca");
  }
  if (now > info.not_after) {
    return Fail(ErrorCode::kInvalidArgument,
                "certificate expired on " + platform::FormatUtc(info.not_after) + " (subject " +
                    info.subject + ")",
                {}, "certificate-expired");
  }
  if (now < info.not_before) {
    return Fail(ErrorCode::kInvalidArgument,
                "certificate is not yet valid: its validity starts on " +
                    platform::FormatUtc(info.not_before) + " (subject " + info.subject +
                    "; is the clock right?)",
                {}, "certificate-not-yet-valid");
  }
  return Ok();
}

Status CheckStoreId(std::string_view store_id) {
  bool ok = !store_id.empty() && store_id.size() <= 64;
  for (char c : store_id) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '_' || c == '-');
  }
  if (!ok) {
    return Fail(ErrorCode::kInvalidArgument,
                "store id '" + std::string(store_id) +
                    "' must be 1 to 64 characters of letters, digits, '.', '_' and '-'",
                "store_id");
  }
  return Ok();
}

}  // namespace optin::provisioning
