#include "api/offers_api.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <variant>

#include "api/caller.h"
#include "api/job_reply.h"
#include "api/json_body.h"
#include "notices/api_texts.h"
#include "notices/notice_holder.h"
#include "visits/shopper.h"

namespace optin::api {
namespace {

using boost::json::array;
using boost::json::object;
using notices::ApiTexts;

// An expertise level in `language` ("beginner" -> "principiante"); other words as they are.
std::string LevelWords(std::string_view language, std::string_view level) {
  std::string words = ApiTexts::Render(language, "level." + std::string(level));
  return words.empty() ? std::string(level) : words;
}

// A pick's reason in `language`: its parts said from the API text catalog (a reason that does
// not parse stays as written).
std::string ReasonIn(std::string_view language, const std::string& reason,
                     const notices::WordLabels& labels) {
  auto parts = offers::ParseReason(reason);
  if (!parts) return reason;
  const std::string& interest = labels.For(language, parts->interest);
  if (!parts->declared) {
    return ApiTexts::Render(language, "reason.history", {{"interest", interest}});
  }
  if (!parts->level) {
    return ApiTexts::Render(language, "reason.declared", {{"interest", interest}});
  }
  const std::string level = LevelWords(language, *parts->level);
  return ApiTexts::Render(language, "reason.declared-level",
                          {{"interest", interest}, {"level", level}});
}

// One offer as every shopper sees it: only catalog fields (in `language` where the catalog
// gives them per language), plus why it was picked.
object OfferJson(const offers::Pick& pick, std::string_view language,
                 const notices::WordLabels& labels) {
  const offers::Offer& o = *pick.offer;
  const offers::OfferWords words = o.In(language);
  array categories;
  for (const auto& c : o.categories) categories.push_back(boost::json::string(c));
  object out{
      {"id", o.id},
      {"title", words.title},
      {"description", words.description},
      {"categories", std::move(categories)},
      {"price", object{{"amount_minor", o.price.amount_minor}, {"currency", o.price.currency}}},
      {"terms", words.terms},
      {"valid_from", o.valid_from},
      {"valid_until", o.valid_until},
      {"reason", ReasonIn(language, pick.reason, labels)},
      {"matched", pick.category}};
  if (o.expertise) out["expertise"] = *o.expertise;
  return out;
}

object Statement(std::optional<int64_t> at, std::string_view kind, std::string text) {
  object o{{"kind", kind}, {"text", std::move(text)}};
  o["at"] = at ? boost::json::value(*at) : boost::json::value(nullptr);
  return o;
}

std::string InterestWords(std::string_view language, const offers::Interest& i,
                          const notices::WordLabels& labels) {
  const std::string& topic = labels.For(language, i.topic);
  if (!i.expertise) return topic;
  const std::string level = LevelWords(language, *i.expertise);
  return ApiTexts::Render(language, "interest.level", {{"interest", topic}, {"level", level}});
}

// A staff action in words, as the domain says it may be told (nothing when it says nothing).
std::optional<std::string> StaffWords(std::string_view language, const offers::StaffAction& a) {
  std::string_view key;
  switch (a.say) {
    case offers::StaffSay::kNothing:
      return std::nullopt;
    case offers::StaffSay::kShown:
      key = "why.staff.viewed";
      break;
    case offers::StaffSay::kClaimed:
      key = "why.staff.claimed";
      break;
    case offers::StaffSay::kClaimedDone:
      key = "why.staff.claimed-done";
      break;
    case offers::StaffSay::kResolved:
      key = "why.staff.resolved";
      break;
  }
  const std::string who = a.role == "manager" ? ".manager" : ".associate";
  return ApiTexts::Render(language, std::string(key) + who);
}

std::string ConsentWords(std::string_view language, const offers::ConsentChanged& c) {
  return ApiTexts::Render(language, c.granted ? "why.consent.granted" : "why.consent.withdrawn",
                          {{"purpose", c.purpose}});
}

// The purpose's one-line summary in `language` from the notice in force; the built-in English
// description when no notice has that text (and always in English, as before notices).
std::string PurposeWords(const consent::ConsentLedger& ledger, std::string_view language,
                         const consent::PurposeInfo& info) {
  const notices::NoticeHolder* holder = ledger.notices();
  const auto notice = holder && language != "en" ? holder->Current() : nullptr;
  const notices::NoticeText* text = notice ? notice->Text(language) : nullptr;
  if (text != nullptr) {
    const auto* purposes = text->document.if_contains("purposes");
    const auto* words =
        purposes && purposes->is_object() ? purposes->as_object().if_contains(info.id) : nullptr;
    const auto* summary =
        words && words->is_object() ? words->as_object().if_contains("summary") : nullptr;
    if (summary && summary->is_string()) return std::string(summary->as_string());
  }
  return std::string(info.description);
}

// The shopper's "why" story in words in `language`: the statements in order (the visit, the
// purposes in force, the interests, the offers shown, then the audit entries), the offers shown
// and the staff access log.
object WhyJson(const offers::WhyStory& story, std::string_view language,
               const consent::ConsentLedger& ledger, const notices::WordLabels& labels) {
  array statements;
  if (const auto& visit = story.visit) {
    const char* key = visit->channel == "web"   ? "why.visit.web"
                      : visit->channel == "app" ? "why.visit.app"
                                                : "why.visit.loyalty";
    statements.push_back(
        Statement(visit->started_at, "visit",
                  ApiTexts::Render(language, key, {{"pseudonym", visit->pseudonym}})));
  }
  for (const auto& st : story.purposes) {
    const auto& info = consent::Info(st.purpose);
    statements.push_back(Statement(
        st.changed_at, "purpose",
        ApiTexts::Render(
            language, "why.purpose",
            {{"purpose", info.id}, {"description", PurposeWords(ledger, language, info)}})));
  }
  if (!story.interests.empty()) {
    std::string words;
    for (const auto& i : story.interests) {
      if (!words.empty()) words += ", ";
      words += InterestWords(language, i, labels);
    }
    statements.push_back(
        Statement(std::nullopt, "interests",
                  ApiTexts::Render(language, "why.interests", {{"interests", words}})));
  }
  array shown;
  for (const auto& [v, offer] : story.offers_shown) {
    const std::string title = offer ? offer->In(language).title : v.offer_id;
    const std::string reason = ReasonIn(language, v.reason, labels);
    const std::string times = std::to_string(v.times);
    statements.push_back(
        Statement(v.last_shown_at, "offer",
                  ApiTexts::Render(language, v.times == 1 ? "why.offer.once" : "why.offer.times",
                                   {{"title", title}, {"times", times}, {"reason", reason}})));
    shown.push_back(object{{"offer_id", v.offer_id},
                           {"title", title},
                           {"category", v.category},
                           {"reason", reason},
                           {"times", v.times},
                           {"first_shown_at", v.first_shown_at},
                           {"last_shown_at", v.last_shown_at}});
  }
  array staff;
  for (const auto& event : story.events) {
    if (const auto* a = std::get_if<offers::StaffAction>(&event)) {
      // The access log lists every entry; the statements say what each role did.
      if (auto words = StaffWords(language, *a)) {
        statements.push_back(Statement(a->at, "staff", *words));
      }
      staff.push_back(object{{"at", a->at}, {"action", a->action}, {"role", a->role}});
    } else {
      const auto& c = std::get<offers::ConsentChanged>(event);
      statements.push_back(Statement(c.at, "consent", ConsentWords(language, c)));
    }
  }
  return object{{"statements", std::move(statements)},
                {"offers_shown", std::move(shown)},
                {"staff_access", std::move(staff)},
                {"note", ApiTexts::Render(language, "why.note")}};
}

// A JSON answer in `language`: Content-Language (the language its API words are in; English
// where the API text catalog lacks the store's language) and Vary: Accept-Language.
net::Response InLanguage(net::Response r, std::string_view language) {
  r.headers.emplace_back("Content-Language", ApiTexts::Effective(language));
  r.headers.emplace_back("Vary", "Accept-Language");
  return r;
}

}  // namespace

void OffersApi::Register(net::Router& router) const {
  router.Add("GET", "/v1/offers", [this](net::Request&& req, net::Responder respond) {
    GetOffers(std::move(req), std::move(respond));
  });
  router.Add("GET", "/v1/me/why", [this](net::Request&& req, net::Responder respond) {
    GetWhy(std::move(req), std::move(respond));
  });
}

void OffersApi::GetOffers(net::Request&& request, net::Responder respond) const {
  constexpr std::string_view kRoute = "GET /v1/offers";
  if (auto s = CheckQueryForForbiddenFields(request.query); !s) {
    return reply::Refuse(respond, kRoute, s.error());
  }
  auto caller = Identify(request, d_.tokens, d_.pseudonymizer);
  if (!caller) return reply::Refuse(respond, kRoute, caller.error());
  std::string language = d_.ledger.LanguageFor(request.Header("accept-language"));
  // A write: what is shown is recorded (frequency cap, "why", HQ aggregates under consent).
  reply::WriteThen<offers::ShownOffers>(
      d_.db, kRoute, std::move(respond),
      [this,
       who = visits::ShopperRef{std::move(caller->subject_id), std::move(caller->visit_token)}](
          store::Connection& conn) { return offer_desk_.Show(conn, who); },
      [this, language](const offers::ShownOffers& shown) {
        array list;
        for (const auto& pick : shown.picks)
          list.push_back(OfferJson(pick, language, d_.interest_labels));
        std::string_view note;
        // An empty catalog (none installed, or one without offers) is not "nothing matched".
        const bool published = !shown.catalog->offers.empty();
        if (!published) {
          note = "offers.note.unpublished";
        } else if (!shown.has_signals) {
          note = "offers.note.no-signals";
        } else if (shown.picks.empty()) {
          note = "offers.note.no-match";
        } else {
          note = "offers.note.picked";
        }
        return InLanguage(reply::Json(200, object{{"offers", std::move(list)},
                                                  {"catalog_version", shown.catalog->version},
                                                  {"catalog_published", published},
                                                  {"note", ApiTexts::Render(language, note)}}),
                          language);
      });
}

void OffersApi::GetWhy(net::Request&& request, net::Responder respond) const {
  constexpr std::string_view kRoute = "GET /v1/me/why";
  auto caller = Identify(request, d_.tokens, d_.pseudonymizer);
  if (!caller) return reply::Refuse(respond, kRoute, caller.error());
  std::string language = d_.ledger.LanguageFor(request.Header("accept-language"));
  reply::ReadThen<offers::WhyStory>(
      d_.db, kRoute, std::move(respond),
      [this,
       who = visits::ShopperRef{std::move(caller->subject_id), std::move(caller->visit_token)}](
          store::Connection& conn) { return why_desk_.Tell(conn, who); },
      [this, language](const offers::WhyStory& story) {
        return InLanguage(reply::Json(200, WhyJson(story, language, d_.ledger, d_.interest_labels)),
                          language);
      });
}

}  // namespace optin::api
