// The kiosk screens the store paired (issue 18): only they get the presence code and the scan
// welcomes. `optinctl kiosk pair --name NAME` makes a one-time pairing link (a random token,
// 10 minutes); the kiosk's browser opens it once and receives a kiosk credential ("kc_" +
// base64url of 32 random bytes) as a cookie. The box keeps neither the link's token nor the
// credential, only their keyed hashes (Pseudonymizer::TokenHash, as for staff sessions), so a
// copied database pairs no screen. Pairing and revocation go in the audit log (the name only).
// Immutable; methods run inside database jobs (CreateLink, Redeem, Revoke: write jobs).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/clock.h"
#include "platform/error.h"
#include "platform/random.h"
#include "privacy/pseudonymizer.h"
#include "store/connection.h"

namespace optin::kiosk {

enum class KioskState {
  kPending,  // its pairing link has not been opened yet and is still valid
  kExpired,  // its pairing link lapsed unused
  kPaired,
  kRevoked,
};
std::string_view ToString(KioskState state);

struct KioskRecord {
  std::string name;
  KioskState state = KioskState::kPending;
  int64_t created_at = 0;
  std::optional<int64_t> link_expires_at;  // while a link is outstanding
  std::optional<int64_t> paired_at;
  std::optional<int64_t> revoked_at;
};

struct KioskPairingLink {
  std::string name;
  std::string token;  // goes into the link once; only its hash is kept
  int64_t expires_at = 0;
};

struct PairedKiosk {
  std::string name;
  std::string credential;  // handed to the kiosk's browser once, as a cookie
};

class KioskPairings {
 public:
  static constexpr std::string_view kCookieName = "optin_kiosk";
  static constexpr std::chrono::seconds kDefaultLinkLifetime = std::chrono::minutes(10);

  KioskPairings(const platform::Clock& clock, platform::Random& random,
                const privacy::Pseudonymizer& pseudonymizer,
                std::chrono::seconds link_lifetime = kDefaultLinkLifetime);

  // 1 to 32 characters: lowercase letters, digits, '-', '_' and '.', starting with a letter or
  // digit. kInvalidArgument naming `field` otherwise.
  static Status CheckName(std::string_view name, std::string_view field = "name");

  // A fresh one-time link for `name`. A pending or expired link of the same name is replaced
  // and a revoked kiosk may be paired again; a kiosk that is paired now is kConflict
  // ("kiosk-already-paired": revoke it first).
  Result<KioskPairingLink> CreateLink(store::Connection& conn, std::string_view name) const;
  // Opens the link: once, before it expires, for a kiosk not revoked meanwhile. Returns the
  // new credential. Anything else is kUnauthenticated ("kiosk-pairing-invalid"), without
  // saying which of unknown, used, expired or revoked it was.
  Result<PairedKiosk> Redeem(store::Connection& conn, std::string_view token) const;
  // Every kiosk by name.
  Result<std::vector<KioskRecord>> List(store::Connection& conn) const;
  // Ends the kiosk's credential (and any outstanding link). kNotFound ("kiosk-not-found") for
  // an unknown name; a kiosk revoked already stays so (and is not logged again).
  Status Revoke(store::Connection& conn, std::string_view name) const;
  // The paired, unrevoked kiosks: credential hash -> name.
  Result<std::map<std::string, std::string>> Active(store::Connection& conn) const;

  // The stored form of a credential; empty when `credential` is not one in form.
  std::string CredentialHash(std::string_view credential) const;

 private:
  std::string LinkHash(std::string_view token) const;

  const platform::Clock& clock_;
  platform::Random& random_;
  const privacy::Pseudonymizer& pseudonymizer_;
  const std::chrono::seconds link_lifetime_;
};

}  // namespace optin::kiosk
