// The kiosk screen's live feed, WebSocket /v1/kiosk/stream, on the public listener, for the
// kiosks the store paired only (KioskAccess: a paired kiosk's credential cookie, or the box's
// own browser when allowed); anyone else gets 401 problem+json before the upgrade, and a kiosk
// revoked while connected is closed (4001) by Enforce(). It shows nothing personal beyond the
// just-scanned visit's pseudonym and purposes, which the shopper sees on the screen they stand
// at. Server -> kiosk frames:
//   {"type":"presence","url":"https://host:port/shop?p=CODE","code":"CODE",
//    "svg":"<svg...>","seconds_remaining":N,"web_code_minutes":M}
//                                               on connect and at every presence step (M: how
//                                               long a scanned code checks in on the web);
//   {"type":"scan","accepted":bool,"reason":"checked-in|token-expired|...",
//    "pseudonym":"...","purposes":[...]}        after each loyalty scan (pseudonym and
//                                               purposes empty when refused).
// Never a loyalty id, token or subject. {"type":"ping"} gets {"type":"pong"}; anything else from
// the kiosk is ignored. At most max_connections kiosks at once; more are closed with 1013.
// Thread-safe: Tick, PublishScan and the connections' callbacks may run on any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kiosk/kiosk_access.h"
#include "net/router.h"
#include "net/websocket_connection.h"
#include "visits/presence_code.h"
#include "visits/scan_check_in.h"

namespace optin::kiosk {

struct KioskFeedOptions {
  size_t max_connections = 16;
  // Who may follow the feed; null: anyone (tests of the frames only; never in the daemon).
  const KioskAccess* access = nullptr;
  int64_t web_code_minutes = 10;  // visits.web_code_minutes, told to the kiosk page
};

// The shopper page's URL a presence QR opens: "<scheme>://<host>:<port>/shop" (IPv6 literals
// bracketed); the feed appends "?p=<code>".
std::string ShopPageUrl(bool tls, std::string_view host, uint16_t port);

class KioskFeed {
 public:
  KioskFeed(const visits::PresenceCode& presence, std::string shop_url,
            KioskFeedOptions options = {});
  KioskFeed(const KioskFeed&) = delete;
  KioskFeed& operator=(const KioskFeed&) = delete;

  static constexpr std::string_view kPath = "/v1/kiosk/stream";
  static constexpr uint16_t kRevokedCloseCode = 4001;
  // `origin_check` (api::OriginPolicy) runs first (403), then the kiosk access check (401).
  void Register(net::Router& router, net::UpgradeCheck origin_check = {});
  // The access check alone, as Register installs it after `origin_check`.
  std::optional<net::Response> CheckUpgrade(const net::Request& upgrade) const;
  // The WebSocket handler (public for tests).
  void Accept(const net::Request& upgrade, std::shared_ptr<net::WebSocketConnection> connection);

  // Replaces the shop page URL (e.g. once the listener knows its port).
  void SetShopUrl(std::string shop_url);
  // Call often (every second or so): when the presence step has changed, every kiosk gets the
  // new presence frame.
  void Tick();
  // Every kiosk gets the scan's frame.
  void PublishScan(const visits::ScanCheckInResult& result);
  // Closes (code 4001, "kiosk revoked") every kiosk no longer admitted by the access check.
  // Call after the paired kiosks changed.
  void Enforce();

  // The frames, as sent (public for tests).
  std::string PresenceFrame();
  static std::string ScanFrame(const visits::ScanCheckInResult& result);
  size_t connections() const;

 private:
  // Refreshes the cached code and SVG when the step changed; true if it did. Holds mu_.
  bool RefreshLocked();
  std::string PresenceFrameLocked() const;
  void BroadcastLocked(const std::string& frame);

  struct Kiosk {
    std::weak_ptr<net::WebSocketConnection> connection;
    KioskIdentity identity;
  };

  const visits::PresenceCode& presence_;
  const KioskFeedOptions options_;
  mutable std::mutex mu_;
  std::string shop_url_;          // GUARDED_BY(mu_)
  int64_t step_ = -1;             // GUARDED_BY(mu_)
  std::string code_, url_, svg_;  // GUARDED_BY(mu_)
  std::vector<Kiosk> kiosks_;     // GUARDED_BY(mu_)
};

}  // namespace optin::kiosk
