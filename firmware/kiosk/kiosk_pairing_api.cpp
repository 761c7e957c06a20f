#include "kiosk/kiosk_pairing_api.h"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "platform/log.h"

namespace optin::kiosk {
namespace {

// The value of `name` in a raw query string ("t=kp_..."), undecoded (tokens are base64url).
std::string_view QueryValue(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    if (pair.size() > name.size() && pair.starts_with(name) && pair[name.size()] == '=') {
      return pair.substr(name.size() + 1);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

net::Response ProblemFor(const Error& error) {
  switch (error.code) {
    case ErrorCode::kUnauthenticated:
      return net::Response::Problem(401, "urn:optin-edge:problem:" + error.reason, "Unauthorized",
                                    error.message);
    case ErrorCode::kResourceExhausted:
    case ErrorCode::kUnavailable:
      return net::Response::Problem(503, "urn:optin-edge:problem:unavailable",
                                    "Service Unavailable",
                                    "The box is busy; open the link again in a moment.");
    default:
      return net::Response::Problem(500, "urn:optin-edge:problem:internal", "Internal Server Error",
                                    "Pairing failed inside the box; see its log.");
  }
}

net::Response SeeOther(std::string location) {
  net::Response r;
  r.status = 303;
  r.content_type = "text/plain; charset=utf-8";
  r.headers.emplace_back("Location", std::move(location));
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

bool WantsHtml(const net::Request& request) {
  return request.Header("accept").find("text/html") != std::string_view::npos;
}

}  // namespace

void KioskPairingApi::Register(net::Router& router) const {
  router.Add("GET", std::string(kPairPath), [this](net::Request&& request, net::Responder respond) {
    Pair(std::move(request), std::move(respond));
  });
  router.Add("GET", std::string(kSessionPath),
             [this](net::Request&& request, net::Responder respond) {
               Session(std::move(request), std::move(respond));
             });
}

void KioskPairingApi::Pair(net::Request&& request, net::Responder respond) const {
  const std::string token(QueryValue(request.query, "t"));
  const bool html = WantsHtml(request);
  auto shared = std::move(respond).Share();
  const KioskPairings* pairings = &d_.pairings;
  d_.db.Write<std::pair<PairedKiosk, std::map<std::string, std::string>>>(
      [pairings, token](store::Connection& conn)
          -> Result<std::pair<PairedKiosk, std::map<std::string, std::string>>> {
        OPTIN_ASSIGN_OR_RETURN(PairedKiosk paired, pairings->Redeem(conn, token));
        OPTIN_ASSIGN_OR_RETURN(auto active, pairings->Active(conn));
        return std::pair{std::move(paired), std::move(active)};
      },
      [this, shared, html](Result<std::pair<PairedKiosk, std::map<std::string, std::string>>> r) {
        if (!r) {
          platform::log::Info("kiosk.pairing_refused", {{"reason", r.error().reason}});
          if (html && r.error().code == ErrorCode::kUnauthenticated) {
            return (*shared)(SeeOther("/kiosk?pairing=failed"));
          }
          return (*shared)(ProblemFor(r.error()));
        }
        Apply(std::move(r->second));
        platform::log::Info("kiosk.paired", {{"kiosk", r->first.name}});
        net::Response response = SeeOther("/kiosk");
        response.headers.emplace_back(
            "Set-Cookie", std::string(KioskPairings::kCookieName) + "=" + r->first.credential +
                              "; Path=/; Max-Age=" + std::to_string(kCookieMaxAgeSeconds) +
                              "; Secure; HttpOnly; SameSite=Strict");
        (*shared)(std::move(response));
      });
}

void KioskPairingApi::Session(net::Request&& request, net::Responder respond) const {
  auto identity = d_.access.Identify(request);
  if (!identity) return respond(ProblemFor(identity.error()));
  boost::json::object body{{"kiosk", identity->loopback ? boost::json::value(nullptr)
                                                        : boost::json::value(identity->name)},
                           {"access", identity->loopback ? "loopback" : "paired"},
                           {"web_code_minutes", d_.web_code_minutes}};
  net::Response response = net::Response::Json(200, boost::json::serialize(body));
  response.headers.emplace_back("Cache-Control", "no-store");
  respond(std::move(response));
}

void KioskPairingApi::Apply(std::map<std::string, std::string> active) const {
  d_.access.Replace(std::move(active));
  d_.feed.Enforce();
  if (d_.on_paired_count) d_.on_paired_count(d_.access.paired());
}

Status KioskPairingApi::Refresh() const {
  const KioskPairings* pairings = &d_.pairings;
  return d_.db.TryRead([this, pairings](store::Connection& conn) {
    auto active = pairings->Active(conn);
    if (!active) {
      platform::log::Warn("kiosk.refresh_failed", {{"message", active.error().message}});
      return;
    }
    Apply(std::move(*active));
  });
}

Status KioskPairingApi::RefreshSync() const {
  const KioskPairings* pairings = &d_.pairings;
  OPTIN_ASSIGN_OR_RETURN(
      auto active, (d_.db.ReadSync<std::map<std::string, std::string>>(
                       [pairings](store::Connection& conn) { return pairings->Active(conn); })));
  Apply(std::move(active));
  return Ok();
}

}  // namespace optin::kiosk
