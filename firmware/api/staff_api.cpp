#include "api/staff_api.h"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>

#include "api/job_reply.h"
#include "api/json_body.h"

namespace optin::api {
namespace {

using boost::json::array;
using boost::json::object;

Result<std::string> StaffToken(const net::Request& request) {
  std::string_view auth = request.Header("authorization");
  constexpr std::string_view kScheme = "Bearer ";
  if (auth.size() <= kScheme.size() || !auth.starts_with(kScheme)) {
    return Fail(ErrorCode::kUnauthenticated,
                "Log in first and send the staff token as 'Authorization: Bearer st_...'.", {},
                "missing-token");
  }
  return std::string(auth.substr(kScheme.size()));
}

// 409 naming who holds the prompt, with the same in a "claimed_by" member.
net::Response AlreadyClaimed(std::string_view route, const assist::Prompt& prompt) {
  const auto& r = prompt.request;
  const std::string staff_id = r.claimed_by.value_or("");
  const std::string role(assist::ToString(r.claimed_role.value_or(assist::StaffRole::kAssociate)));
  net::Response response =
      reply::Problem(route, Error{ErrorCode::kConflict,
                                  "Already claimed by " + staff_id + " (" + role + ").",
                                  {},
                                  "already-claimed"});
  boost::system::error_code ec;
  boost::json::value body = boost::json::parse(response.body, ec);
  if (!ec && body.is_object()) {
    body.as_object()["claimed_by"] = object{{"staff_id", staff_id}, {"role", role}};
    response.body = boost::json::serialize(body);
  }
  return response;
}

}  // namespace

void StaffApi::Register(net::Router& router) const {
  auto bind = [this](auto method) {
    return [this, method](net::Request&& req, net::Responder respond) {
      (this->*method)(std::move(req), std::move(respond));
    };
  };
  router.Add("POST", "/v1/staff/login", bind(&StaffApi::Login));
  router.Add("POST", "/v1/staff/logout", bind(&StaffApi::Logout));
  router.Add("GET", "/v1/staff/prompts", bind(&StaffApi::ListPrompts));
  router.Add("POST", "/v1/staff/prompts/{id}/claim", bind(&StaffApi::ClaimPrompt));
  router.Add("POST", "/v1/staff/prompts/{id}/resolve", bind(&StaffApi::ResolvePrompt));
}

void StaffApi::Login(net::Request&& request, net::Responder respond) const {
  static constexpr std::string_view kRoute = "POST /v1/staff/login";
  auto body = ParseJsonBody(request);
  if (!body) return reply::Refuse(respond, kRoute, body.error());
  if (auto s = RequireOnlyMembers(*body, {"staff_id", "pin"}); !s) {
    return reply::Refuse(respond, kRoute, s.error());
  }
  std::optional<std::string> fields[2];
  const char* names[2] = {"staff_id", "pin"};
  for (int i = 0; i < 2; ++i) {
    // A PIN sent as a number is named as such ("invalid-type"), not as missing.
    auto value = RequiredString(*body, names[i], 64);
    if (!value) {
      Error e = std::move(value).error();
      if (e.reason == "missing-field") {
        e.message = "Send your staff id and PIN as {\"staff_id\": \"...\", \"pin\": \"...\"}.";
      } else if (e.reason == "invalid-type") {
        e.message += " Send your staff id and PIN as {\"staff_id\": \"...\", \"pin\": \"...\"}.";
      }
      return reply::Refuse(respond, kRoute, e);
    }
    fields[i] = std::move(*value);
  }
  // The peer address keys the per-client limiter only; it is never logged.
  const std::string client = request.remote_address;
  if (auto s = d_.sessions.CheckClient(client); !s) {
    return respond(reply::WithRetryAfter(reply::Problem(kRoute, s.error()),
                                         d_.sessions.ClientRetryAfter(client)));
  }
  auto shared = std::move(respond).Share();
  // The PIN check is slow on purpose: run it on a reader, then record the outcome; the answer
  // is rendered back on the connection's strand.
  Status queued = d_.db.TryRead([this, shared, client, handoff = net::CurrentHandoff(),
                                 staff_id = std::move(*fields[0]),
                                 pin = std::move(*fields[1])](store::Connection& conn) {
    auto check = d_.sessions.CheckPin(conn, staff_id, pin);
    if (!check) return reply::Refuse(*shared, kRoute, check.error());
    d_.db.Write<assist::LoginAttempt>(
        [this, check = std::move(*check), client](store::Connection& wconn) {
          return d_.sessions.CompleteLogin(wconn, check, client);
        },
        reply::HandedBack<assist::LoginAttempt>(
            [this, shared, client](Result<assist::LoginAttempt> attempt) {
              if (!attempt) return reply::Refuse(*shared, kRoute, attempt.error());
              if (attempt->refusal && attempt->refusal->reason == "rate-limited") {
                return (*shared)(reply::WithRetryAfter(reply::Problem(kRoute, *attempt->refusal),
                                                       d_.sessions.ClientRetryAfter(client)));
              }
              if (attempt->refusal) return reply::Refuse(*shared, kRoute, *attempt->refusal);
              const auto& login = *attempt->login;
              platform::log::Info("staff.logged_in",
                                  {{"role", assist::ToString(login.session.staff.role)}});
              (*shared)(
                  reply::Json(200, object{{"token", login.token},
                                          {"staff_id", login.session.staff.id},
                                          {"role", assist::ToString(login.session.staff.role)},
                                          {"expires_at", login.session.expires_at}}));
            },
            handoff));
  });
  if (!queued) reply::Refuse(*shared, kRoute, queued.error());
}

void StaffApi::Logout(net::Request&& request, net::Responder respond) const {
  static constexpr std::string_view kRoute = "POST /v1/staff/logout";
  auto token = StaffToken(request);
  if (!token) return reply::Refuse(respond, kRoute, token.error());
  reply::WriteThen<bool>(
      d_.db, kRoute, std::move(respond),
      [this, token = std::move(*token)](store::Connection& conn) -> Result<bool> {
        OPTIN_TRY(d_.sessions.Logout(conn, token));
        return true;
      },
      [](bool) {
        return reply::Json(200, object{{"logged_out", true}});
      });
}

void StaffApi::ListPrompts(net::Request&& request, net::Responder respond) const {
  static constexpr std::string_view kRoute = "GET /v1/staff/prompts";
  auto token = StaffToken(request);
  if (!token) return reply::Refuse(respond, kRoute, token.error());
  // A write: each first view of a prompt is recorded and audited.
  reply::WriteThen<std::vector<assist::Prompt>>(
      d_.db, kRoute, std::move(respond),
      [this, token = std::move(*token)](store::Connection& conn) {
        return console_.Queue(conn, token);
      },
      [this](const std::vector<assist::Prompt>& prompts) {
        const int64_t now = d_.clock.NowUnix();
        array list;
        for (const auto& p : prompts) list.push_back(assist::StaffView(p, now));
        return reply::Json(200, object{{"prompts", std::move(list)}, {"server_time", now}});
      });
}

void StaffApi::ClaimPrompt(net::Request&& request, net::Responder respond) const {
  static constexpr std::string_view kRoute = "POST /v1/staff/prompts/{id}/claim";
  auto token = StaffToken(request);
  if (!token) return reply::Refuse(respond, kRoute, token.error());
  std::string id(request.Param("id"));
  auto shared = std::move(respond).Share();
  d_.db.Write<assist::ClaimResult>(
      [this, token = std::move(*token), id = std::move(id)](store::Connection& conn) {
        return console_.Claim(conn, token, id);
      },
      reply::HandedBack<assist::ClaimResult>([this, shared](Result<assist::ClaimResult> result) {
        if (!result) return reply::Refuse(*shared, kRoute, result.error());
        if (!result->claimed) return (*shared)(AlreadyClaimed(kRoute, result->prompt));
        platform::log::Info("staff.claimed");
        (*shared)(reply::Json(
            200, object{{"prompt", assist::StaffView(result->prompt, d_.clock.NowUnix())}}));
      }));
}

void StaffApi::ResolvePrompt(net::Request&& request, net::Responder respond) const {
  static constexpr std::string_view kRoute = "POST /v1/staff/prompts/{id}/resolve";
  auto token = StaffToken(request);
  if (!token) return reply::Refuse(respond, kRoute, token.error());
  std::string id(request.Param("id"));
  reply::WriteThen<assist::Prompt>(
      d_.db, kRoute, std::move(respond),
      [this, token = std::move(*token), id = std::move(id)](store::Connection& conn) {
        return console_.Resolve(conn, token, id);
      },
      [this](const assist::Prompt& p) {
        platform::log::Info("staff.resolved");
        return reply::Json(200, object{{"prompt", assist::StaffView(p, d_.clock.NowUnix())}});
      });
}

}  // namespace optin::api
