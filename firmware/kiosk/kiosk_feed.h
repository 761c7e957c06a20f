// The kiosk screen's live feed, WebSocket /v1/kiosk/stream, on the public listener and without
// login: it shows nothing personal beyond the just-scanned visit's pseudonym and purposes, which
// the shopper sees on the screen they stand at. Server -> kiosk frames:
//   {"type":"presence","url":"https://host:port/shop?p=CODE","code":"CODE",
//    "svg":"<svg...>","seconds_remaining":N}   on connect and at every presence step;
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
#include <string>
#include <string_view>
#include <vector>

#include "net/router.h"
#include "net/websocket_connection.h"
#include "visits/presence_code.h"
#include "visits/scan_check_in.h"

namespace optin::kiosk {

struct KioskFeedOptions {
  size_t max_connections = 16;
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
  void Register(net::Router& router);
  // The WebSocket handler (public for tests).
  void Accept(const net::Request& upgrade, std::shared_ptr<net::WebSocketConnection> connection);

  // Replaces the shop page URL (e.g. once the listener knows its port).
  void SetShopUrl(std::string shop_url);
  // Call often (every second or so): when the presence step has changed, every kiosk gets the
  // new presence frame.
  void Tick();
  // Every kiosk gets the scan's frame.
  void PublishScan(const visits::ScanCheckInResult& result);

  // The frames, as sent (public for tests).
  std::string PresenceFrame();
  static std::string ScanFrame(const visits::ScanCheckInResult& result);
  size_t connections() const;

 private:
  // Refreshes the cached code and SVG when the step changed; true if it did. Holds mu_.
  bool RefreshLocked();
  std::string PresenceFrameLocked() const;
  void BroadcastLocked(const std::string& frame);

  const visits::PresenceCode& presence_;
  const KioskFeedOptions options_;
  mutable std::mutex mu_;
  std::string shop_url_;                                         // GUARDED_BY(mu_)
  int64_t step_ = -1;                                            // GUARDED_BY(mu_)
  std::string code_, url_, svg_;                                 // GUARDED_BY(mu_)
  std::vector<std::weak_ptr<net::WebSocketConnection>> kiosks_;  // GUARDED_BY(mu_)
};

}  // namespace optin::kiosk
