// Who may follow the kiosk feed (issue 18): a kiosk the store paired, recognised by its
// credential cookie (its keyed hash must be among the paired, unrevoked kiosks), or, when
// `allow_loopback`, a browser on the box itself: a loopback peer whose request carries no
// forwarding header (a proxy on the box forwards other people's requests from loopback).
// The paired set lives in memory and is replaced from the database (Replace) at start and
// every few hundred milliseconds, so a revocation by optinctl reaches the daemon at once.
// Thread-safe.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <string>

#include "kiosk/kiosk_pairings.h"
#include "net/http_message.h"
#include "platform/error.h"

namespace optin::kiosk {

struct KioskIdentity {
  std::string name;             // the paired kiosk's name; empty for the box's own browser
  std::string credential_hash;  // empty for the box's own browser
  bool loopback = false;
};

class KioskAccess {
 public:
  KioskAccess(const KioskPairings& pairings, bool allow_loopback);

  // The kiosk `request` comes from, or kUnauthenticated ("kiosk-not-paired") saying how to
  // pair this screen.
  Result<KioskIdentity> Identify(const net::Request& request) const;
  // Whether a kiosk admitted earlier still is (not revoked since).
  bool StillAdmitted(const KioskIdentity& identity) const;
  // The paired, unrevoked kiosks (KioskPairings::Active).
  void Replace(std::map<std::string, std::string> active);
  size_t paired() const;
  bool allow_loopback() const { return allow_loopback_; }

  // The credential from a Cookie header ("a=b; optin_kiosk=kc_..."), or empty.
  static std::string CredentialFromCookies(std::string_view cookie_header);
  // 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104.
  static bool IsLoopback(std::string_view address);

 private:
  const KioskPairings& pairings_;
  const bool allow_loopback_;
  mutable std::mutex mu_;
  std::map<std::string, std::string> active_;  // GUARDED_BY(mu_): credential hash -> name
};

}  // namespace optin::kiosk
