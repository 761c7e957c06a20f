#include "provisioning/provision.h"

#include "platform/crypto.h"
#include "provisioning/tls_files.h"

namespace optin::provisioning {
namespace {

std::string WithFinalNewline(std::string_view text) {
  std::string out(text);
  if (!out.empty() && out.back() != '\n') out += '\n';
  return out;
}

// One file Install writes, with what was there before.
struct PlannedWrite {
  std::filesystem::path path;
  std::string content;
  mode_t mode;
  std::optional<std::string> previous;
  mode_t previous_mode = 0;
};

// Puts back what the first `count` writes replaced; best effort (the original error is what
// the caller reports).
void RollBack(platform::FileSystem& fs, const std::vector<PlannedWrite>& writes, size_t count) {
  for (size_t i = count; i-- > 0;) {
    const PlannedWrite& w = writes[i];
    if (w.previous) {
      (void)fs.WriteFileAtomic(w.path, *w.previous, w.previous_mode);
    } else {
      (void)fs.Remove(w.path);
    }
  }
}

}  // namespace

Result<std::string> Provision::CreateRequest(platform::FileSystem& fs, platform::Random& random,
                                             const std::filesystem::path& data_dir,
                                             std::string_view store_id,
                                             const std::vector<std::string>& host_names) {
  OPTIN_TRY(CheckStoreId(store_id));
  const TlsFiles files(data_dir);
  OPTIN_ASSIGN_OR_RETURN(DeviceKey key, LoadOrCreateDeviceKey(fs, random, files));
  OPTIN_ASSIGN_OR_RETURN(std::string csr, platform::CreateCertificateSigningRequest(
                                              key.key, random, store_id, host_names));
  OPTIN_TRY(fs.WriteFileAtomic(files.store_id, std::string(store_id) + "\n", kPublicFileMode));
  OPTIN_TRY(fs.WriteFileAtomic(files.csr, csr, kPublicFileMode));
  return csr;
}

Status Provision::Install(platform::FileSystem& fs, const std::filesystem::path& data_dir,
                          std::string_view cert_pem, std::string_view ca_bundle_pem,
                          std::optional<std::string> hq_token_key_pem, int64_t now,
                          std::optional<std::filesystem::path> hq_token_key_path) {
  const TlsFiles files(data_dir);
  const std::filesystem::path token_key_path = hq_token_key_path.value_or(files.hq_token_key);

  // 1. Check everything; write nothing.
  OPTIN_ASSIGN_OR_RETURN(std::optional<DeviceKey> key, ReadDeviceKey(fs, files));
  if (!key) {
    return Fail(ErrorCode::kFailedPrecondition,
                "this box has no TLS key yet (" + files.key.string() +
                    "); run `optinctl provision request` first and have HQ's CA sign that request",
                {}, "not-requested");
  }
  auto fail_with = [](std::string_view what, const Error& e) {
    Error out = e;
    out.message = std::string(what) + ": " + e.message;
    return std::unexpected(std::move(out));
  };
  if (auto s = platform::InspectCertificateBundle(ca_bundle_pem); !s) {
    return fail_with("the CA bundle was refused", s.error());
  }
  if (auto s = CheckDeviceCertificate(cert_pem, key->key, now); !s) {
    return fail_with("the certificate was refused", s.error());
  }
  if (auto s = platform::VerifyCertificateChain(cert_pem, ca_bundle_pem, now); !s) {
    return fail_with("the certificate was refused", s.error());
  }
  std::optional<std::string> token_key_text;
  if (hq_token_key_pem) {
    auto token_key = platform::EcdsaPublicKey::FromPem(*hq_token_key_pem);
    if (!token_key)
      return fail_with("the HQ token key was refused (a P-256 \"PUBLIC KEY\" PEM is expected)",
                       token_key.error());
    OPTIN_ASSIGN_OR_RETURN(token_key_text, token_key->ToPem());
  }

  // 2. Plan the writes, remembering what each replaces; device.crt goes last, as it is the file
  // that makes the box provisioned.
  std::vector<PlannedWrite> writes;
  writes.push_back({files.ca_bundle, WithFinalNewline(ca_bundle_pem), kPublicFileMode, {}});
  if (token_key_text) {
    writes.push_back({token_key_path, *token_key_text, kPublicFileMode, {}});
  }
  writes.push_back({files.cert, WithFinalNewline(cert_pem), kPublicFileMode, {}});
  for (PlannedWrite& w : writes) {
    OPTIN_ASSIGN_OR_RETURN(w.previous, ReadOptionalFile(fs, w.path));
    if (w.previous) {
      OPTIN_ASSIGN_OR_RETURN(mode_t mode, fs.Mode(w.path));
      w.previous_mode = mode & 07777;
    }
  }
  if (token_key_text) {
    const auto keys_dir = token_key_path.parent_path();
    OPTIN_ASSIGN_OR_RETURN(bool exists, fs.Exists(keys_dir));
    if (!exists) OPTIN_TRY(fs.CreateDirectories(keys_dir, kTlsDirMode));
  }

  // 3. Write.
  for (size_t i = 0; i < writes.size(); ++i) {
    auto status = fs.WriteFileAtomic(writes[i].path, writes[i].content, writes[i].mode);
    if (!status) {
      RollBack(fs, writes, i);
      return fail_with("installing " + writes[i].path.string() +
                           " failed and the files written before it were restored",
                       status.error());
    }
  }
  return Ok();
}

Result<ProvisioningState> Provision::Describe(
    platform::FileSystem& fs, const std::filesystem::path& data_dir, int64_t now,
    std::optional<std::filesystem::path> hq_token_key_path) {
  const TlsFiles files(data_dir);
  ProvisioningState state;
  state.tls_dir = files.dir;
  OPTIN_ASSIGN_OR_RETURN(state.store_id, ReadStoreId(fs, files));
  OPTIN_ASSIGN_OR_RETURN(state.csr_pem, ReadOptionalFile(fs, files.csr));
  OPTIN_ASSIGN_OR_RETURN(state.hq_token_key_present,
                         fs.Exists(hq_token_key_path.value_or(files.hq_token_key)));

  std::optional<DeviceKey> key;
  if (auto read = ReadDeviceKey(fs, files); read) {
    key = std::move(*read);
  } else {
    state.device_cert_problem = read.error().message;
  }
  state.has_key = key.has_value();

  OPTIN_ASSIGN_OR_RETURN(std::optional<std::string> ca, ReadOptionalFile(fs, files.ca_bundle));
  if (ca) {
    auto bundle = platform::InspectCertificateBundle(*ca);
    if (bundle) {
      state.ca_bundle = std::move(*bundle);
    } else {
      state.ca_bundle_problem = bundle.error().message;
    }
  }

  OPTIN_ASSIGN_OR_RETURN(std::optional<std::string> cert, ReadOptionalFile(fs, files.cert));
  if (cert) {
    auto info = platform::InspectCertificate(*cert);
    if (!info) {
      state.device_cert_problem = info.error().message;
    } else {
      state.device_cert = std::move(*info);
      if (!key) {
        if (state.device_cert_problem.empty()) state.device_cert_problem = "device.key is missing";
      } else if (auto usable = CheckDeviceCertificate(*cert, key->key, now); !usable) {
        state.device_cert_problem = usable.error().message;
      }
      if (!ca) {
        state.chain_problem = "hq-ca.pem is missing";
      } else if (auto chain = platform::VerifyCertificateChain(*cert, *ca, now); !chain) {
        state.chain_problem = chain.error().message;
      }
    }
  }

  OPTIN_ASSIGN_OR_RETURN(std::optional<std::string> self_signed,
                         ReadOptionalFile(fs, files.self_signed_cert));
  if (self_signed) {
    if (auto info = platform::InspectCertificate(*self_signed); info) {
      state.self_signed = std::move(*info);
    }
  }
  return state;
}

}  // namespace optin::provisioning
