#include "api/system_api.h"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>

#include "notices/api_texts.h"
#include "notices/notice_holder.h"
#include "platform/encoding.h"
#include "store/database.h"
#include "store/readiness_probe.h"

namespace optin::api {

using boost::json::array;
using boost::json::object;

void SystemApi::Register(net::Router& router) const {
  router.Add("GET", "/healthz",
             [this](net::Request&& r, net::Responder s) { Healthz(std::move(r), std::move(s)); });
  router.Add("GET", "/readyz",
             [this](net::Request&& r, net::Responder s) { Readyz(std::move(r), std::move(s)); });
  router.Add("GET", "/v1/device/keys", [this](net::Request&& r, net::Responder s) {
    DeviceKeys(std::move(r), std::move(s));
  });
  router.Add("GET", "/v1/store",
             [this](net::Request&& r, net::Responder s) { StoreInfo(std::move(r), std::move(s)); });
}

void SystemApi::Healthz(net::Request&&, net::Responder respond) const {
  respond(net::Response::Json(200, R"({"status":"ok"})"));
}

// Ready means: a durable write commits (the readiness probe row is rewritten with
// synchronous=FULL, so a full disk, a read-only file system or a stopped writer fail it), the
// device's signing key is loaded, and the listener is accepting. The answer names each check,
// lists the failed ones and says why in `detail`. HQ's token key is reported, not required (a box
// not yet provisioned still serves its kiosk and staff).
void SystemApi::Readyz(net::Request&&, net::Responder respond) const {
  auto shared = std::move(respond).Share();
  const bool serving = d_.serving.load();
  const bool provisioned = d_.tokens.provisioned();
  const bool keys_loaded = d_.device_key.X().size() == 32 && d_.device_key.Y().size() == 32;
  // A box without a catalog serves (shoppers hear that no offers are published): not a failure.
  const bool catalog_loaded = d_.catalog != nullptr && !d_.catalog->Current()->source.empty();
  d_.db.Write([](store::Connection& conn) { return store::WriteReadinessProbe(conn); },
              [shared, serving, provisioned, keys_loaded, catalog_loaded](Status s) {
                const bool writable = s.has_value();
                const bool ready = writable && keys_loaded && serving;
                object checks{{"database_writable", writable},
                              {"keys_loaded", keys_loaded},
                              {"listener_up", serving},
                              {"hq_token_key_provisioned", provisioned},
                              {"catalog_loaded", catalog_loaded}};
                array failed;
                std::string detail;
                auto fail = [&](std::string_view check, std::string_view why) {
                  failed.push_back(boost::json::string(check));
                  if (!detail.empty()) detail += "; ";
                  detail.append(check).append(": ").append(why);
                };
                if (!writable) fail("database_writable", s.error().message);
                if (!keys_loaded) fail("keys_loaded", "the device signing key is not loaded");
                if (!serving)
                  fail("listener_up", "the listener is not accepting (starting or stopping)");
                object body{{"status", ready ? "ready" : "not_ready"}, {"checks", checks}};
                if (!ready) {
                  body["failed"] = std::move(failed);
                  body["detail"] = detail;
                }
                (*shared)(net::Response::Json(ready ? 200 : 503, boost::json::serialize(body)));
              });
}

void SystemApi::DeviceKeys(net::Request&&, net::Responder respond) const {
  const auto& k = d_.device_key;
  object jwk{{"kty", "EC"},
             {"crv", "P-256"},
             {"x", platform::Base64UrlEncode(k.X())},
             {"y", platform::Base64UrlEncode(k.Y())},
             {"kid", k.KeyId()},
             {"alg", "ES256"},
             {"use", "sig"}};
  auto pem = k.ToPem();
  object body{
      {"keys", array{jwk}},
      {"pem", pem ? boost::json::value(*pem) : boost::json::value(nullptr)},
      {"store_id", d_.ledger.controller().store_id},
      {"purpose", "Verifies the consent and erasure receipts this device signs (ES256 JWS)."}};
  respond(net::Response::Json(200, boost::json::serialize(body)));
}

// In the request's language (Accept-Language among [store] languages): each purpose's title,
// summary (as `description`) and details, and the notice they come from, from the notice in
// force; the built-in English words only when no notice is installed (tests).
void SystemApi::StoreInfo(net::Request&& request, net::Responder respond) const {
  const notices::NoticeHolder* holder = d_.ledger.notices();
  const auto notice = holder ? holder->Current() : nullptr;
  std::string language;
  const notices::NoticeText* text = nullptr;
  if (notice) {
    language = holder->LanguageFor(request.Header("accept-language"));
    text = notice->Text(language);
    if (text == nullptr) {
      language = holder->default_language();
      text = notice->Text(language);
    }
  }
  array purposes;
  for (auto p : consent::kAllPurposes) {
    const auto& info = consent::Info(p);
    // data_used and default in the answer's language (English without a notice).
    const std::string_view words = text != nullptr ? std::string_view(language) : "en";
    object o{{"purpose", info.id},
             {"description", info.description},
             {"data_used", notices::ApiTexts::Render(words, "data." + std::string(info.id))},
             {"default", notices::ApiTexts::Render(words, p == consent::Purpose::kPresence
                                                              ? "store.default.asked"
                                                              : "store.default.off")}};
    if (text != nullptr) {
      const auto* words = text->document.at("purposes").as_object().if_contains(info.id);
      if (words != nullptr && words->is_object()) {
        o["title"] = words->at("title");
        o["description"] = words->at("summary");
        o["details"] = words->at("details");
      }
    }
    purposes.push_back(std::move(o));
  }
  // The words are the API's values; their labels are what a reader of `words_in` sees.
  const std::string words_in = text != nullptr ? language : "en";
  array interests;
  object interest_labels;
  for (const auto& i : d_.interests) {
    interests.push_back(boost::json::string(i));
    interest_labels[i] = d_.interest_labels.For(words_in, i);
  }
  array topics;
  object topic_labels;
  for (const auto& t : d_.assist_topics) {
    topics.push_back(boost::json::string(t));
    topic_labels[t] = d_.topic_labels.For(words_in, t);
  }
  const auto& c = d_.ledger.controller();
  object body{{"store_id", c.store_id},
              {"name", c.name},
              {"policy_version", d_.ledger.policy().policy_version},
              {"policy_url", c.policy_url},
              {"purposes", purposes},
              {"interests", interests},
              {"expertise_levels", array{"beginner", "intermediate", "expert"}},
              {"assist_topics", topics},
              {"interest_labels", interest_labels},
              {"assist_topic_labels", topic_labels},
              {"retention", object{{"visit_max_minutes", d_.retention.visit_max_minutes},
                                   {"ended_visit_hours", d_.retention.ended_visit_hours},
                                   {"history_days", d_.retention.history_days},
                                   {"consent_days", d_.retention.consent_days}}},
              {"version", d_.version}};
  if (text != nullptr) {
    const object& doc = text->document;
    body["language"] = language;
    body["languages"] = boost::json::value_from(holder->languages());
    body["notice"] =
        object{{"version", notice->version},
               {"language", language},
               {"sha256", text->sha256},
               {"url", "/v1/notices/" + std::to_string(notice->version) + "?lang=" + language},
               {"title", doc.at("title")},
               {"summary", doc.at("summary")},
               {"controller", doc.at("controller")},
               {"rights", doc.at("rights")}};
  }
  net::Response r = net::Response::Json(200, boost::json::serialize(body));
  if (text != nullptr) {
    r.headers.emplace_back("Content-Language", language);
    r.headers.emplace_back("Vary", "Accept-Language");
  }
  respond(std::move(r));
}

}  // namespace optin::api
