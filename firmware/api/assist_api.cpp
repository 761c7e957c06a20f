#include "api/assist_api.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "api/caller.h"
#include "api/job_reply.h"
#include "api/json_body.h"

namespace optin::api {
namespace {

using boost::json::object;

// A string member, or nothing; errors name the field and the type sent. (Not OptionalString:
// the note may hold line breaks, which HelpDesk::Validate judges.)
Result<std::optional<std::string>> StringMember(const object& body, std::string_view name) {
  const auto* v = body.if_contains(name);
  if (v == nullptr || v->is_null()) return std::optional<std::string>();
  if (!v->is_string()) return std::unexpected(WrongType(name, "a string (in quotes)", *v));
  return std::optional<std::string>(std::string(v->as_string()));
}

Result<assist::NewHelpRequest> ParseNewRequest(const object& body) {
  OPTIN_TRY(RequireOnlyMembers(body, {"topic", "expertise", "note", "first_name"}));
  assist::NewHelpRequest out;
  OPTIN_ASSIGN_OR_RETURN(auto topic, StringMember(body, "topic"));
  if (!topic) {
    return Fail(ErrorCode::kInvalidArgument, "'topic' is required: what do you need help with?",
                "/topic", "missing-field");
  }
  OPTIN_ASSIGN_OR_RETURN(auto expertise, StringMember(body, "expertise"));
  if (!expertise) {
    return Fail(ErrorCode::kInvalidArgument,
                "'expertise' is required: beginner, intermediate or expert.", "/expertise",
                "missing-field");
  }
  out.topic = std::move(*topic);
  out.expertise = std::move(*expertise);
  OPTIN_ASSIGN_OR_RETURN(out.note, StringMember(body, "note"));
  OPTIN_ASSIGN_OR_RETURN(out.first_name, StringMember(body, "first_name"));
  return out;
}

bool ValidId(std::string_view id) { return id.starts_with("h_") && id.size() <= 64; }

Error NotFound() {
  return Error{
      ErrorCode::kNotFound, "You have no help request with this id.", {}, "help-request-not-found"};
}

// 409 for a second request while one is open: the problem carries the open request's id
// ("open_request_id") and its address in Location, so the caller can follow or cancel it.
net::Response OpenRequestConflict(const Error& error, const std::string& open_id) {
  net::Response response = reply::Problem("POST /v1/assist", error);
  if (open_id.empty()) return response;
  boost::system::error_code ec;
  boost::json::value body = boost::json::parse(response.body, ec);
  if (!ec && body.is_object()) {
    body.as_object()["open_request_id"] = open_id;
    response.body = boost::json::serialize(body);
  }
  response.headers.emplace_back("Location", "/v1/assist/" + open_id);
  return response;
}

}  // namespace

void AssistApi::Register(net::Router& router) const {
  auto bind = [this](auto method) {
    return [this, method](net::Request&& req, net::Responder respond) {
      (this->*method)(std::move(req), std::move(respond));
    };
  };
  router.Add("POST", "/v1/assist", bind(&AssistApi::CreateRequest));
  router.Add("GET", "/v1/assist/{id}", bind(&AssistApi::GetRequest));
  router.Add("DELETE", "/v1/assist/{id}", bind(&AssistApi::CancelRequest));
}

void AssistApi::CreateRequest(net::Request&& request, net::Responder respond) const {
  static constexpr std::string_view kRoute = "POST /v1/assist";
  auto body = ParseJsonBody(request);
  if (!body) return reply::Refuse(respond, kRoute, body.error());
  auto parsed = ParseNewRequest(*body);
  if (!parsed) return reply::Refuse(respond, kRoute, parsed.error());
  if (auto s = d_.desk.Validate(*parsed); !s) return reply::Refuse(respond, kRoute, s.error());
  auto caller = Identify(request, d_.tokens, d_.pseudonymizer);
  if (!caller) return reply::Refuse(respond, kRoute, caller.error());
  // Either the new request, the 409 for an open one with that request's id, or the 429 of
  // the hourly limit with the time until the visit may ask again.
  d_.help.Ask(
      visits::ShopperRef{std::move(caller->subject_id), std::move(caller->visit_token)},
      std::move(*parsed),
      reply::Answer<assist::AskOutcome>(
          std::move(respond), kRoute, [this](const assist::AskOutcome& o) {
            if (o.open_conflict) return OpenRequestConflict(*o.open_conflict, o.open_id);
            if (o.limited)
              return reply::WithRetryAfter(reply::Problem(kRoute, *o.limited), o.retry_after);
            const assist::ShopperView& v = *o.created;
            platform::log::Info("assist.requested");
            net::Response r =
                reply::Json(201, object{{"request", assist::ShopperJson(v, d_.clock.NowUnix())}});
            r.headers.emplace_back("Location", "/v1/assist/" + v.request.id);
            return r;
          }));
}

void AssistApi::GetRequest(net::Request&& request, net::Responder respond) const {
  static constexpr std::string_view kRoute = "GET /v1/assist/{id}";
  std::string id(request.Param("id"));
  if (!ValidId(id)) return reply::Refuse(respond, kRoute, NotFound());
  auto caller = Identify(request, d_.tokens, d_.pseudonymizer);
  if (!caller) return reply::Refuse(respond, kRoute, caller.error());
  d_.help.Get(
      visits::ShopperRef{std::move(caller->subject_id), std::move(caller->visit_token)},
      std::move(id),
      reply::Answer<
          assist::ShopperView>(std::move(respond), kRoute, [this](const assist::ShopperView& v) {
        return reply::Json(200, object{{"request", assist::ShopperJson(v, d_.clock.NowUnix())}});
      }));
}

void AssistApi::CancelRequest(net::Request&& request, net::Responder respond) const {
  static constexpr std::string_view kRoute = "DELETE /v1/assist/{id}";
  std::string id(request.Param("id"));
  if (!ValidId(id)) return reply::Refuse(respond, kRoute, NotFound());
  auto caller = Identify(request, d_.tokens, d_.pseudonymizer);
  if (!caller) return reply::Refuse(respond, kRoute, caller.error());
  d_.help.Cancel(
      visits::ShopperRef{std::move(caller->subject_id), std::move(caller->visit_token)},
      std::move(id),
      reply::Answer<
          assist::ShopperView>(std::move(respond), kRoute, [this](const assist::ShopperView& v) {
        platform::log::Info("assist.cancelled");
        return reply::Json(200, object{{"request", assist::ShopperJson(v, d_.clock.NowUnix())}});
      }));
}

}  // namespace optin::api
