// The kiosk's own HTTP routes on the public listener (issue 18):
//   GET /kiosk/pair?t=kp_...  opens a one-time pairing link (from `optinctl kiosk pair`): the
//       kiosk's browser gets its credential as a `Secure; HttpOnly; SameSite=Strict` cookie and
//       is sent on to /kiosk (303). A link that is unknown, used, expired or revoked: 401
//       problem+json (urn:optin-edge:problem:kiosk-pairing-invalid), or for a browser (Accept:
//       text/html) 303 to /kiosk?pairing=failed, where the page says how to get a new one.
//   GET /v1/kiosk/session  whether this screen may show the code: 200 {"kiosk": NAME or null,
//       "access": "paired"|"loopback", "web_code_minutes": N}, or 401 kiosk-not-paired.
// Refresh() re-reads the paired kiosks (for revocations made by optinctl) and closes the
// streams of kiosks no longer admitted. Immutable after construction; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

#include "kiosk/kiosk_access.h"
#include "kiosk/kiosk_feed.h"
#include "kiosk/kiosk_pairings.h"
#include "net/router.h"
#include "store/database.h"

namespace optin::kiosk {

struct KioskPairingApiDeps {
  store::Database& db;
  const KioskPairings& pairings;
  KioskAccess& access;
  KioskFeed& feed;
  int64_t web_code_minutes = 10;
  // Called with the number of paired kiosks after every refresh (the /metrics gauge).
  std::function<void(size_t)> on_paired_count = {};
};

class KioskPairingApi {
 public:
  explicit KioskPairingApi(KioskPairingApiDeps deps) : d_(std::move(deps)) {}

  static constexpr std::string_view kPairPath = "/kiosk/pair";
  static constexpr std::string_view kSessionPath = "/v1/kiosk/session";
  // The credential cookie lives 400 days (browsers cap it there); revocation ends it sooner.
  static constexpr int64_t kCookieMaxAgeSeconds = 400LL * 24 * 3600;

  void Register(net::Router& router) const;

  // Re-reads the paired kiosks on a reader (at once; the result applies when the read is
  // done) and closes the feed of any kiosk no longer admitted. Fails when the read could not
  // be queued.
  Status Refresh() const;
  // The same, synchronously (at start, before serving).
  Status RefreshSync() const;

  void Pair(net::Request&& request, net::Responder respond) const;
  void Session(net::Request&& request, net::Responder respond) const;

 private:
  void Apply(std::map<std::string, std::string> active) const;

  KioskPairingApiDeps d_;
};

}  // namespace optin::kiosk
