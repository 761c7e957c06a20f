#include "kiosk/kiosk_feed.h"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "kiosk/qr_svg.h"
#include "platform/log.h"

namespace optin::kiosk {

std::string ShopPageUrl(bool tls, std::string_view host, uint16_t port) {
  std::string url = tls ? "https://" : "http://";
  if (host.find(':') != std::string_view::npos && !host.starts_with('[')) {
    url += '[' + std::string(host) + ']';
  } else {
    url += host;
  }
  return url + ':' + std::to_string(port) + "/shop";
}

KioskFeed::KioskFeed(const visits::PresenceCode& presence, std::string shop_url,
                     KioskFeedOptions options)
    : presence_(presence), options_(options), shop_url_(std::move(shop_url)) {}

void KioskFeed::Register(net::Router& router, net::UpgradeCheck origin_check) {
  router.AddWebSocket(
      std::string(kPath),
      [this](const net::Request& upgrade, std::shared_ptr<net::WebSocketConnection> connection) {
        Accept(upgrade, std::move(connection));
      },
      [this, origin_check = std::move(origin_check)](
          const net::Request& upgrade) -> std::optional<net::Response> {
        if (origin_check) {
          if (auto refused = origin_check(upgrade)) return refused;
        }
        return CheckUpgrade(upgrade);
      });
}

std::optional<net::Response> KioskFeed::CheckUpgrade(const net::Request& upgrade) const {
  if (options_.access == nullptr) return std::nullopt;
  auto identity = options_.access->Identify(upgrade);
  if (identity) return std::nullopt;
  platform::log::Info("kiosk_stream.refused", {{"reason", identity.error().reason}});
  return net::Response::Problem(401, "urn:optin-edge:problem:" + identity.error().reason,
                                "Unauthorized", identity.error().message);
}

void KioskFeed::Accept(const net::Request& upgrade,
                       std::shared_ptr<net::WebSocketConnection> connection) {
  KioskIdentity identity;
  if (options_.access != nullptr) {
    // Checked before the upgrade; checked again in case a revocation came in between.
    auto admitted = options_.access->Identify(upgrade);
    if (!admitted) {
      connection->Close(kRevokedCloseCode, "kiosk not paired");
      return;
    }
    identity = std::move(*admitted);
  }
  {
    std::lock_guard lock(mu_);
    std::erase_if(kiosks_, [](const auto& k) { return k.connection.expired(); });
    if (kiosks_.size() >= options_.max_connections) {
      platform::log::Warn("kiosk_stream.too_many",
                          {{"max", static_cast<int64_t>(options_.max_connections)}});
      connection->Close(net::close_code::kTryAgainLater, "too many kiosks");
      return;
    }
    RefreshLocked();
    // Under the lock: a step change cannot overtake the first frame.
    connection->Send(PresenceFrameLocked());
    kiosks_.push_back(Kiosk{connection, identity});
  }
  std::weak_ptr<net::WebSocketConnection> weak = connection;
  connection->OnMessage([weak](std::string text) {
    auto conn = weak.lock();
    if (!conn) return;
    boost::system::error_code ec;
    boost::json::value message = boost::json::parse(text, ec);
    if (ec || !message.is_object()) return;
    const auto* type = message.as_object().if_contains("type");
    if (type != nullptr && type->is_string() && type->as_string() == "ping") {
      conn->Send(R"({"type":"pong"})");
    }
  });
  connection->OnClose([this] {
    std::lock_guard lock(mu_);
    std::erase_if(kiosks_, [](const auto& k) {
      auto c = k.connection.lock();
      return !c || c->closed();
    });
  });
  platform::log::Info("kiosk_stream.connected",
                      {{"kiosk", identity.loopback ? std::string("(this box)") : identity.name}});
}

void KioskFeed::SetShopUrl(std::string shop_url) {
  std::lock_guard lock(mu_);
  shop_url_ = std::move(shop_url);
  step_ = -1;  // rebuild the URL and the QR on the next frame
}

void KioskFeed::Tick() {
  std::lock_guard lock(mu_);
  if (!RefreshLocked() || kiosks_.empty()) return;
  BroadcastLocked(PresenceFrameLocked());
}

void KioskFeed::PublishScan(const visits::ScanCheckInResult& result) {
  const std::string frame = ScanFrame(result);
  std::lock_guard lock(mu_);
  BroadcastLocked(frame);
}

void KioskFeed::Enforce() {
  if (options_.access == nullptr) return;
  std::lock_guard lock(mu_);
  std::erase_if(kiosks_, [this](const auto& k) {
    auto c = k.connection.lock();
    if (!c || c->closed()) return true;
    if (options_.access->StillAdmitted(k.identity)) return false;
    platform::log::Info("kiosk_stream.revoked", {{"kiosk", k.identity.name}});
    c->Close(kRevokedCloseCode, "kiosk revoked");
    return true;
  });
}

std::string KioskFeed::PresenceFrame() {
  std::lock_guard lock(mu_);
  RefreshLocked();
  return PresenceFrameLocked();
}

std::string KioskFeed::ScanFrame(const visits::ScanCheckInResult& result) {
  boost::json::array purposes;
  if (result.accepted) {
    for (const auto& p : result.purposes) purposes.emplace_back(p);
  }
  return boost::json::serialize(
      boost::json::object{{"type", "scan"},
                          {"accepted", result.accepted},
                          {"reason", result.reason},
                          {"pseudonym", result.accepted ? result.visit_pseudonym : std::string()},
                          {"purposes", std::move(purposes)}});
}

size_t KioskFeed::connections() const {
  std::lock_guard lock(mu_);
  return static_cast<size_t>(std::count_if(kiosks_.begin(), kiosks_.end(), [](const auto& k) {
    auto c = k.connection.lock();
    return c && !c->closed();
  }));
}

bool KioskFeed::RefreshLocked() {
  const int64_t step = presence_.CurrentStep();
  if (step == step_) return false;
  step_ = step;
  code_ = presence_.ForStep(step);
  url_ = shop_url_ + "?p=" + code_;
  auto svg = QrSvg(url_, QrSvgOptions{.title = "Presence QR code: scan it with your phone"});
  if (!svg) {
    platform::log::Error("kiosk.qr_failed", {{"message", svg.error().message}});
    svg_.clear();
  } else {
    svg_ = std::move(*svg);
  }
  return true;
}

std::string KioskFeed::PresenceFrameLocked() const {
  return boost::json::serialize(
      boost::json::object{{"type", "presence"},
                          {"url", url_},
                          {"code", code_},
                          {"svg", svg_},
                          {"seconds_remaining", presence_.SecondsRemaining()},
                          {"web_code_minutes", options_.web_code_minutes}});
}

void KioskFeed::BroadcastLocked(const std::string& frame) {
  std::erase_if(kiosks_, [&frame](const auto& k) {
    auto c = k.connection.lock();
    if (!c || c->closed()) return true;
    c->Send(frame);
    return false;
  });
}

}  // namespace optin::kiosk
