// The presenting store, from the client certificate TLS verified: its key and the store id it was
// issued for. Certificates are read once and kept (PeerCertificates), so that a store's key keeps
// the table of multiples its first verification built (platform::EcdsaPublicKey::Verify) from one
// upload to the next: the nightly wave brings each store's certificate once a day. The validity
// period is checked at each request: TLS checked it at the session's full handshake, and a
// resumed session (up to the ticket lifetime later) carries the certificate of that handshake.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "platform/crypto.h"

namespace optin::hq {

// The presenting store at one request.
struct PeerStore {
  std::optional<platform::EcdsaPublicKey> key;
  std::string common_name;  // the store id the certificate was issued for
  std::string problem;      // why there is no key
};

// Each readable certificate read once and kept, up to `capacity` of them (one is dropped to make
// room for a new one); unreadable ones are not kept. Thread-safe.
class PeerCertificates {
 public:
  explicit PeerCertificates(size_t capacity = 10'000);

  // The store presenting `certificate_der`; no key (and the problem says why) when it is empty,
  // unreadable, not P-256, or not valid at `now`.
  PeerStore Of(std::string_view certificate_der, int64_t now);

  size_t size() const;  // certificates kept

 private:
  struct Read;
  static std::shared_ptr<const Read> ReadCertificate(std::string_view der, std::string* problem);
  static PeerStore At(const Read& read, int64_t now);

  const size_t capacity_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const Read>> kept_;  // GUARDED_BY(mu_), by DER
};

}  // namespace optin::hq
