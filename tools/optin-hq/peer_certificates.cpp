#include "tools/optin-hq/peer_certificates.h"

#include "platform/clock.h"
#include "platform/encoding.h"
#include "platform/x509.h"

namespace optin::hq {
namespace {

std::string DerToPem(std::string_view der) {
  const std::string b64 = platform::Base64Encode(der);
  std::string pem = "-----BEGIN CERTIFICATE-----\n";
  for (size_t i = 0; i < b64.size(); i += 64) pem += b64.substr(i, 64) + "\n";
  pem += "-----END CERTIFICATE-----\n";
  return pem;
}

// The CN of an mbedTLS subject text ("CN=store-0042, O=Acme").
std::string CommonName(std::string_view subject) {
  size_t at = subject.find("CN=");
  if (at == std::string_view::npos) return {};
  subject.remove_prefix(at + 3);
  return std::string(subject.substr(0, subject.find(',')));
}

}  // namespace

// What a readable certificate says, whatever the time.
struct PeerCertificates::Read {
  std::optional<platform::EcdsaPublicKey> key;  // none if not P-256
  std::string common_name;
  int64_t not_before = 0;
  int64_t not_after = 0;
};

std::shared_ptr<const PeerCertificates::Read> PeerCertificates::ReadCertificate(
    std::string_view der, std::string* problem) {
  if (der.empty()) {
    *problem = "no verified client certificate";
    return nullptr;
  }
  const std::string pem = DerToPem(der);
  auto info = platform::InspectCertificate(pem);
  auto key_pem = platform::CertificatePublicKeyPem(pem);
  if (!info || !key_pem) {
    *problem = "client certificate unreadable";
    return nullptr;
  }
  auto read = std::make_shared<Read>();
  if (auto key = platform::EcdsaPublicKey::FromPem(*key_pem)) read->key = std::move(*key);
  read->common_name = CommonName(info->subject);
  read->not_before = info->not_before;
  read->not_after = info->not_after;
  return read;
}

PeerStore PeerCertificates::At(const Read& read, int64_t now) {
  PeerStore peer;
  if (now < read.not_before || now > read.not_after) {
    peer.problem =
        now > read.not_after
            ? "client certificate expired at " + platform::FormatIso8601Utc(read.not_after)
            : "client certificate not valid before " + platform::FormatIso8601Utc(read.not_before);
    return peer;
  }
  if (!read.key) {
    peer.problem = "client certificate key is not P-256";
    return peer;
  }
  peer.key = read.key;  // copies share the key's data and its table of multiples
  peer.common_name = read.common_name;
  return peer;
}

PeerCertificates::PeerCertificates(size_t capacity) : capacity_(capacity > 0 ? capacity : 1) {}

PeerStore PeerCertificates::Of(std::string_view certificate_der, int64_t now) {
  std::shared_ptr<const Read> read;
  {
    std::lock_guard lock(mu_);
    if (auto it = kept_.find(std::string(certificate_der)); it != kept_.end()) read = it->second;
  }
  if (!read) {
    PeerStore peer;
    read = ReadCertificate(certificate_der, &peer.problem);  // unlocked: parsing takes a while
    if (!read) return peer;
    std::lock_guard lock(mu_);
    if (kept_.size() >= capacity_ && !kept_.contains(std::string(certificate_der))) {
      kept_.erase(kept_.begin());
    }
    read = kept_.try_emplace(std::string(certificate_der), read).first->second;
  }
  return At(*read, now);
}

size_t PeerCertificates::size() const {
  std::lock_guard lock(mu_);
  return kept_.size();
}

}  // namespace optin::hq
