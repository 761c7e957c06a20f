#include "api/shopper_api.h"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "api/caller.h"
#include "api/job_reply.h"
#include "api/json_body.h"
#include "api/problem.h"
#include "platform/log.h"
#include "visits/shopper.h"

namespace optin::api {
namespace {

using boost::json::array;
using boost::json::object;

using reply::ReadThen;
using reply::Refuse;
using reply::WriteThen;

net::Response JsonResponse(int status, const object& body) { return reply::Json(status, body); }

array PurposesJson(const std::vector<consent::PurposeStatus>& statuses) {
  array out;
  for (const auto& s : statuses) {
    object o{{"purpose", consent::ToString(s.purpose)},
             {"state", consent::ToString(s.state)},
             {"description", consent::Info(s.purpose).description}};
    if (s.expires_at && s.in_force()) o["expires_at"] = *s.expires_at;
    if (!s.policy_version.empty()) o["policy_version"] = s.policy_version;
    if (s.notice_version) o["notice_version"] = *s.notice_version;  // the notice it was given
    if (!s.language.empty()) o["language"] = s.language;            // under, in this language
    out.push_back(std::move(o));
  }
  return out;
}

array RenewalRequired(const std::vector<consent::PurposeStatus>& statuses) {
  array out;
  for (const auto& s : statuses) {
    if (s.state == consent::ConsentState::kNeedsRenewal)
      out.push_back(boost::json::string(consent::ToString(s.purpose)));
  }
  return out;
}

object ReceiptJson(const consent::ConsentReceipt& r) {
  return object{{"id", r.id}, {"issued_at", r.issued_at}, {"jws", r.jws}, {"payload", r.payload}};
}

object VisitJson(const visits::Visit& v) {
  object o{{"id", v.id},
           {"pseudonym", v.pseudonym},
           {"channel", v.channel},
           {"started_at", v.started_at},
           {"expires_at", v.expires_at}};
  if (v.ended_at) o["ended_at"] = *v.ended_at;
  return o;
}

// GET /v1/me: the data-rights export document with the visit in progress, the purposes and the
// policy in force and the store added (members the export already has are replaced in place).
object MeJson(const visits::ShopperData& data, const std::string& store_id) {
  object out = data.exported;
  out["current_visit"] = data.current_visit ? boost::json::value(VisitJson(*data.current_visit))
                                            : boost::json::value(nullptr);
  out["purposes"] = PurposesJson(data.purposes);
  out["renewal_required"] = RenewalRequired(data.purposes);
  out["policy_version"] = data.policy_version;
  out["store_id"] = store_id;
  return out;
}

// {"offers": true, "assistance": false} -> decisions; presence may only be true.
Result<std::vector<consent::ConsentChange>> ParseDecisions(const boost::json::value* v) {
  std::vector<consent::ConsentChange> out;
  if (v == nullptr || v->is_null()) return out;
  if (!v->is_object()) {
    return Fail(ErrorCode::kInvalidArgument,
                "'purposes' must be an object such as {\"offers\": true, \"history\": false}, "
                "not " +
                    std::string(JsonTypeName(*v)) + ".",
                "/purposes", "invalid-type");
  }
  for (const auto& [key, value] : v->as_object()) {
    std::string at = "/purposes/" + std::string(key);
    auto purpose = consent::ParsePurpose(key);
    if (!purpose) {
      return Fail(ErrorCode::kInvalidArgument,
                  "Unknown purpose '" + std::string(key) +
                      "'. Purposes are presence, offers, assistance, name_to_staff, history and "
                      "hq_aggregates.",
                  at, "unknown-purpose");
    }
    if (!value.is_bool()) {
      return Fail(
          ErrorCode::kInvalidArgument,
          "Each purpose must be true or false, not " + std::string(JsonTypeName(value)) + ".", at,
          "invalid-type");
    }
    if (*purpose == consent::Purpose::kPresence && !value.as_bool()) {
      return Fail(ErrorCode::kInvalidArgument,
                  "Checking in means being present: 'presence' cannot be false here.", at,
                  "presence-required");
    }
    out.push_back({*purpose, value.as_bool()});
  }
  return out;
}

}  // namespace

void ShopperApi::Register(net::Router& router) const {
  auto bind = [this](auto method) {
    return [this, method](net::Request&& req, net::Responder respond) {
      (this->*method)(std::move(req), std::move(respond));
    };
  };
  router.Add("POST", "/v1/checkins", bind(&ShopperApi::CheckIn));
  router.Add("POST", "/v1/checkins/current/end", bind(&ShopperApi::EndVisit));
  router.Add("GET", "/v1/me", bind(&ShopperApi::GetMe));
  router.Add("DELETE", "/v1/me", bind(&ShopperApi::DeleteMe));
  router.Add("PUT", "/v1/me/consents/{purpose}", bind(&ShopperApi::PutConsent));
  router.Add("GET", "/v1/me/receipts", bind(&ShopperApi::GetReceipts));
  router.Add("PUT", "/v1/me/interests", bind(&ShopperApi::PutInterests));
}

void ShopperApi::CheckIn(net::Request&& request, net::Responder respond) const {
  constexpr std::string_view kRoute = "POST /v1/checkins";
  auto body = ParseJsonBody(request);
  if (!body) return Refuse(respond, kRoute, body.error());
  if (auto s = RequireOnlyMembers(*body, {"presence_code", "purposes"}); !s) {
    return Refuse(respond, kRoute, s.error());
  }
  auto code = OptionalString(*body, "presence_code", 16);
  if (!code) return Refuse(respond, kRoute, code.error());
  if (!*code) {
    return Refuse(respond, kRoute,
                  Error{ErrorCode::kInvalidArgument,
                        "'presence_code' is required: scan the QR code shown in the store.",
                        "/presence_code", "missing-field"});
  }
  auto decisions = ParseDecisions(body->if_contains("purposes"));
  if (!decisions) return Refuse(respond, kRoute, decisions.error());

  // Without an Authorization header this is the shopper web page's anonymous check-in: no
  // account, no app, a visit of its own. With one, it must be a valid app token.
  visits::CheckInInput input{.presence = visits::PresenceCodeShown{std::move(**code)},
                             .decisions = std::move(*decisions),
                             .language = d_.ledger.LanguageFor(request.Header("accept-language"))};
  if (!request.Header("authorization").empty()) {
    auto token = BearerToken(request);
    if (!token) return Refuse(respond, kRoute, token.error());
    input.credential = visits::AppToken{std::string(*token)};
  }
  check_in_.Submit(std::move(input),
                   reply::Answer<visits::CheckInResult>(
                       std::move(respond), kRoute, [](const visits::CheckInResult& r) {
                         platform::log::Info("checkin.accepted", {{"channel", r.visit.channel}});
                         return JsonResponse(
                             201, object{{"visit", VisitJson(r.visit)},
                                         {"visit_token", r.visit_token},
                                         {"purposes", PurposesJson(r.receipt.purposes)},
                                         {"renewal_required", RenewalRequired(r.receipt.purposes)},
                                         {"receipt", ReceiptJson(r.receipt)}});
                       }));
}

void ShopperApi::EndVisit(net::Request&& request, net::Responder respond) const {
  constexpr std::string_view kRoute = "POST /v1/checkins/current/end";
  auto caller = Identify(request, d_.tokens, d_.pseudonymizer);
  if (!caller) return Refuse(respond, kRoute, caller.error());
  WriteThen<visits::Visit>(
      d_.db, kRoute, std::move(respond),
      [this,
       who = visits::ShopperRef{std::move(caller->subject_id), std::move(caller->visit_token)}](
          store::Connection& conn) { return visits::EndCurrentVisit(conn, who, d_.visits); },
      [](const visits::Visit& v) {
        return JsonResponse(200, object{{"visit", VisitJson(v)}});
      });
}

void ShopperApi::GetMe(net::Request&& request, net::Responder respond) const {
  constexpr std::string_view kRoute = "GET /v1/me";
  if (auto s = CheckQueryForForbiddenFields(request.query); !s) {
    return Refuse(respond, kRoute, s.error());
  }
  auto caller = Identify(request, d_.tokens, d_.pseudonymizer);
  if (!caller) return Refuse(respond, kRoute, caller.error());
  const bool download = request.query.find("download=1") != std::string::npos;
  ReadThen<visits::ShopperData>(
      d_.db, kRoute, std::move(respond),
      [this,
       who = visits::ShopperRef{std::move(caller->subject_id), std::move(caller->visit_token)}](
          store::Connection& conn) { return access_.Gather(conn, who); },
      [this, download](const visits::ShopperData& data) {
        net::Response r = JsonResponse(200, MeJson(data, d_.store_id));
        if (download) {
          r.headers.emplace_back("Content-Disposition", "attachment; filename=\"my-data.json\"");
        }
        return r;
      });
}

void ShopperApi::DeleteMe(net::Request&& request, net::Responder respond) const {
  constexpr std::string_view kRoute = "DELETE /v1/me";
  auto caller = Identify(request, d_.tokens, d_.pseudonymizer);
  if (!caller) return Refuse(respond, kRoute, caller.error());
  erasure_.Erase(
      visits::ShopperRef{std::move(caller->subject_id), std::move(caller->visit_token)},
      reply::Answer<visits::Erasure>(std::move(respond), kRoute, [](const visits::Erasure& e) {
        platform::log::Info("subject.erased", {{"subjects", e.summary.deleted.at("subjects")}});
        object deleted;
        for (const auto& [kind, n] : e.summary.deleted) deleted[kind] = n;
        return JsonResponse(200, object{{"erased_at", e.summary.erased_at},
                                        {"deleted", std::move(deleted)},
                                        {"receipt", object{{"jws", e.receipt_jws}}}});
      }));
}

void ShopperApi::PutConsent(net::Request&& request, net::Responder respond) const {
  constexpr std::string_view kRoute = "PUT /v1/me/consents/{purpose}";
  auto purpose = consent::ParsePurpose(request.Param("purpose"));
  if (!purpose) {
    return Refuse(respond, kRoute,
                  Error{ErrorCode::kNotFound,
                        "Unknown purpose. Purposes are presence, offers, assistance, "
                        "name_to_staff, history and hq_aggregates.",
                        {},
                        "unknown-purpose"});
  }
  auto body = ParseJsonBody(request);
  if (!body) return Refuse(respond, kRoute, body.error());
  if (auto s = RequireOnlyMembers(*body, {"granted"}); !s)
    return Refuse(respond, kRoute, s.error());
  auto granted = RequiredBool(*body, "granted");
  if (!granted) return Refuse(respond, kRoute, granted.error());
  auto caller = Identify(request, d_.tokens, d_.pseudonymizer);
  if (!caller) return Refuse(respond, kRoute, caller.error());
  consent::ConsentChange change{*purpose, *granted};
  consent_.Change(
      visits::ShopperRef{std::move(caller->subject_id), std::move(caller->visit_token)}, change,
      d_.ledger.LanguageFor(request.Header("accept-language")),
      reply::Answer<consent::ConsentReceipt>(
          std::move(respond), kRoute, [change](const consent::ConsentReceipt& r) {
            platform::log::Info("consent.changed", {{"purpose", consent::ToString(change.purpose)},
                                                    {"granted", change.granted}});
            return JsonResponse(200, object{{"purpose", consent::ToString(change.purpose)},
                                            {"granted", change.granted},
                                            {"purposes", PurposesJson(r.purposes)},
                                            {"renewal_required", RenewalRequired(r.purposes)},
                                            {"receipt", ReceiptJson(r)}});
          }));
}

void ShopperApi::GetReceipts(net::Request&& request, net::Responder respond) const {
  constexpr std::string_view kRoute = "GET /v1/me/receipts";
  auto caller = Identify(request, d_.tokens, d_.pseudonymizer);
  if (!caller) return Refuse(respond, kRoute, caller.error());
  ReadThen<std::vector<consent::ConsentReceipt>>(
      d_.db, kRoute, std::move(respond),
      [this,
       who = visits::ShopperRef{std::move(caller->subject_id), std::move(caller->visit_token)}](
          store::Connection& conn) { return access_.Receipts(conn, who); },
      [this](const std::vector<consent::ConsentReceipt>& receipts) {
        array list;
        for (const auto& r : receipts) list.push_back(ReceiptJson(r));
        return JsonResponse(200, object{{"receipts", std::move(list)},
                                        {"verify_with", "GET /v1/device/keys"},
                                        {"key_id", d_.signer.key_id()}});
      });
}

void ShopperApi::PutInterests(net::Request&& request, net::Responder respond) const {
  constexpr std::string_view kRoute = "PUT /v1/me/interests";
  auto body = ParseJsonBody(request);
  if (!body) return Refuse(respond, kRoute, body.error());
  if (auto s = RequireOnlyMembers(*body, {"interests"}); !s)
    return Refuse(respond, kRoute, s.error());
  const auto* list = body->if_contains("interests");
  if (list == nullptr || !list->is_array()) {
    return Refuse(
        respond, kRoute,
        Error{ErrorCode::kInvalidArgument,
              "'interests' " +
                  (list == nullptr ? std::string("is required")
                                   : "must be a list, not " + std::string(JsonTypeName(*list))) +
                  ", e.g. [{\"topic\": \"running\", \"expertise\": \"beginner\"}].",
              "/interests", list == nullptr ? "missing-field" : "invalid-type"});
  }
  std::vector<offers::Interest> interests;
  for (size_t i = 0; i < list->as_array().size(); ++i) {
    const auto& item = list->as_array()[i];
    const std::string at = "/interests/" + std::to_string(i);
    if (item.is_string()) {
      interests.push_back({std::string(item.as_string()), std::nullopt});
      continue;
    }
    if (!item.is_object()) {
      return Refuse(respond, kRoute,
                    Error{ErrorCode::kInvalidArgument,
                          "Each interest is a topic name or {\"topic\", \"expertise\"}, not " +
                              std::string(JsonTypeName(item)) + ".",
                          at, "invalid-type"});
    }
    if (auto s = RequireOnlyMembers(item.as_object(), {"topic", "expertise"}, at); !s) {
      return Refuse(respond, kRoute, s.error());
    }
    auto topic = OptionalString(item.as_object(), "topic", 64, at);
    if (!topic) return Refuse(respond, kRoute, topic.error());
    if (!*topic) {
      return Refuse(respond, kRoute,
                    Error{ErrorCode::kInvalidArgument, "'topic' is required.", at + "/topic",
                          "missing-field"});
    }
    auto expertise = OptionalString(item.as_object(), "expertise", 16, at);
    if (!expertise) return Refuse(respond, kRoute, expertise.error());
    interests.push_back({std::move(**topic), std::move(*expertise)});
  }
  if (auto s = d_.interests.Validate(interests); !s) return Refuse(respond, kRoute, s.error());
  auto caller = Identify(request, d_.tokens, d_.pseudonymizer);
  if (!caller) return Refuse(respond, kRoute, caller.error());
  WriteThen<std::vector<offers::Interest>>(
      d_.db, kRoute, std::move(respond),
      [this,
       who = visits::ShopperRef{std::move(caller->subject_id), std::move(caller->visit_token)},
       interests = std::move(interests)](store::Connection& conn) {
        return interests_.Replace(conn, who, interests);
      },
      [](const std::vector<offers::Interest>& stored) {
        return JsonResponse(200, object{{"interests", offers::InterestsToJson(stored)}});
      });
}

}  // namespace optin::api
