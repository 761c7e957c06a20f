#include "tools/optin-hq/session_handler.h"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <memory>

#include "platform/log.h"
#include "tools/optin-hq/hq_http.h"
#include "tools/optin-hq/session_gate.h"

namespace optin::hq {
namespace json = boost::json;

namespace {

bool IsJson(const net::Request& r) {
  std::string type(r.Header("content-type"));
  for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return type.starts_with("application/json");
}

std::string Cookie(std::string_view token, int64_t max_age) {
  return std::string(kSessionCookie) + "=" + std::string(token) +
         "; Path=/; Max-Age=" + std::to_string(max_age) + "; Secure; HttpOnly; SameSite=Strict";
}

}  // namespace

std::vector<HqRoute> SessionHandler::Routes() {
  return {
      {Listener::kPeople, "POST", "/v1/login",
       [this](net::Request&& r, net::Responder respond) {
         LogIn(std::move(r), std::move(respond));
       }},
      {Listener::kPeople, "POST", "/v1/logout",
       [this](net::Request&& r, net::Responder respond) {
         LogOut(std::move(r), std::move(respond));
       }},
      {Listener::kPeople, "GET", "/v1/session",
       [this](net::Request&& r, net::Responder respond) {
         const std::string token = CookieValue(r, kSessionCookie);
         auto shared = std::move(respond).Share();
         const bool queued = ctx_.work.Post([this, shared, token] {
           if (token.empty()) {
             (*shared)(net::Response::Json(200, "{\"logged_in\":false}"));
             return;
           }
           auto session = ctx_.accounts.Authenticate(token);
           if (!session) {
             (*shared)(session.error().code == ErrorCode::kUnauthenticated
                           ? net::Response::Json(200, "{\"logged_in\":false}")
                           : HqProblem(session.error(), "storage-unavailable"));
             return;
           }
           (*shared)(net::Response::Json(
               200, json::serialize(json::object{
                        {"logged_in", true},
                        {"user", session->user_id},
                        {"role", RoleName(session->role)},
                        {"expires_at", platform::FormatIso8601Utc(session->expires_at)}})));
         });
         if (!queued) (*shared)(HqProblem(503, "busy", "HQ is busy; try again shortly"));
       }},
  };
}

void SessionHandler::LogIn(net::Request&& request, net::Responder respond) {
  if (!IsJson(request)) {
    respond(HqProblem(415, "unsupported-media-type",
                      "send {\"id\", \"password\"} as application/json"));
    return;
  }
  boost::system::error_code ec;
  json::value body = json::parse(request.body, ec);
  const json::object* o = !ec ? body.if_object() : nullptr;
  const json::value* id = o ? o->if_contains("id") : nullptr;
  const json::value* password = o ? o->if_contains("password") : nullptr;
  if (!o) {
    respond(HqProblem(400, "malformed-request", "the body is not a JSON object"));
    return;
  }
  if (!id || !id->is_string()) {
    respond(HqProblem(400, "invalid-parameter", "'id' must be a string", "id"));
    return;
  }
  if (!password || !password->is_string()) {
    respond(HqProblem(400, "invalid-parameter", "'password' must be a string", "password"));
    return;
  }
  if (const auto wait = limiter_.RetryAfter(request.remote_address); wait.count() > 0) {
    ctx_.counters.Login(false);
    net::Response r = HqProblem(429, "too-many-logins",
                                "too many failed logins from this address; try again later");
    r.headers.emplace_back("Retry-After", std::to_string(wait.count()));
    respond(std::move(r));
    return;
  }
  auto shared = std::move(respond).Share();
  const bool queued =
      ctx_.work.Post([this, shared, user = std::string(id->as_string()),
                      pw = std::string(password->as_string()), client = request.remote_address] {
        auto login = ctx_.accounts.LogIn(user, pw);
        if (!login) {
          if (login.error().code == ErrorCode::kUnauthenticated) {
            limiter_.RecordFailure(client);
            ctx_.counters.Login(false);
            platform::log::Warn("hq.login_failed", {});
            (*shared)(HqProblem(401, "login-failed",
                                "wrong user id or password, or the account is locked (5 wrong "
                                "passwords in a row lock it for 15 minutes)"));
          } else {
            (*shared)(HqProblem(login.error(), "storage-unavailable"));
          }
          return;
        }
        ctx_.counters.Login(true);
        platform::log::Info("hq.login", {{"role", RoleName(login->session.role)}});
        net::Response r = net::Response::Json(
            200, json::serialize(json::object{
                     {"user", login->session.user_id},
                     {"role", RoleName(login->session.role)},
                     {"expires_at", platform::FormatIso8601Utc(login->session.expires_at)}}));
        r.headers.emplace_back(
            "Set-Cookie", Cookie(login->token, login->session.expires_at - ctx_.clock.NowUnix()));
        r.headers.emplace_back("Cache-Control", "no-store");
        (*shared)(std::move(r));
      });
  if (!queued) (*shared)(HqProblem(503, "busy", "HQ is busy; try again shortly"));
}

void SessionHandler::LogOut(net::Request&& request, net::Responder respond) {
  const std::string token = CookieValue(request, kSessionCookie);
  auto shared = std::move(respond).Share();
  const bool queued = ctx_.work.Post([this, shared, token] {
    if (!token.empty()) {
      if (Status s = ctx_.accounts.LogOut(token); !s) {
        (*shared)(HqProblem(s.error(), "storage-unavailable"));
        return;
      }
    }
    net::Response r = net::Response::Json(200, "{\"logged_out\":true}");
    r.headers.emplace_back("Set-Cookie", Cookie("", 0));
    (*shared)(std::move(r));
  });
  if (!queued) (*shared)(HqProblem(503, "busy", "HQ is busy; try again shortly"));
}

}  // namespace optin::hq
