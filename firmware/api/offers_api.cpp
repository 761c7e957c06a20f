#include "api/offers_api.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <set>
#include <string>

#include "api/caller.h"
#include "api/job_reply.h"
#include "api/json_body.h"
#include "notices/api_texts.h"
#include "notices/notice_holder.h"
#include "privacy/audit_log.h"

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

// The caller's subject and the visit in progress (offers are per visit).
struct Visiting {
  std::string subject_id;
  visits::Visit visit;
};

Result<Visiting> RequireVisit(store::Connection& conn, const Caller& caller,
                              const visits::VisitService& visits) {
  OPTIN_ASSIGN_OR_RETURN(Subject s, Resolve(conn, caller, visits));
  if (!s.visit) {
    return Fail(ErrorCode::kNotFound,
                "You have no visit in progress: check in at the entrance to see offers.", {},
                "no-active-visit");
  }
  return Visiting{std::move(s.subject_id), std::move(*s.visit)};
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

// The staff member's role recorded in a staff audit entry (all that is kept about them).
std::string AuditRole(const privacy::AuditEntry& e) {
  boost::system::error_code ec;
  auto detail = boost::json::parse(e.detail, ec);
  if (!ec && detail.is_object()) {
    if (const auto* r = detail.as_object().if_contains("role"); r && r->is_string()) {
      return std::string(r->as_string());
    }
  }
  return "associate";
}

// What the staff did with the shopper's help requests, by role (all that is kept about them).
struct StaffDeeds {
  std::set<std::string> acted;  // roles that claimed or resolved
  bool resolved = false;
};

StaffDeeds DeedsOf(const std::vector<privacy::AuditEntry>& entries, int64_t since) {
  StaffDeeds d;
  for (const auto& e : entries) {
    if (e.at < since) continue;
    if (e.kind == "staff.claimed" || e.kind == "staff.resolved") d.acted.insert(AuditRole(e));
    if (e.kind == "staff.resolved") d.resolved = true;
  }
  return d;
}

// The staff audit entries in words, phrased from what each role did: a request listed on a
// console was "shown" to that role (the box cannot know that a person looked), and that is
// said only of a role that did nothing more (claiming or resolving speaks for itself); a claim
// is "on the way" only while the request is not yet done. Nothing when there is nothing to say.
std::optional<std::string> StaffWords(std::string_view language, const privacy::AuditEntry& e,
                                      const StaffDeeds& deeds) {
  const std::string role = AuditRole(e);
  const std::string who = role == "manager" ? ".manager" : ".associate";
  if (e.kind == "staff.viewed") {
    if (deeds.acted.contains(role)) return std::nullopt;
    return ApiTexts::Render(language, "why.staff.viewed" + who);
  }
  if (e.kind == "staff.claimed") {
    return ApiTexts::Render(
        language, (deeds.resolved ? "why.staff.claimed-done" : "why.staff.claimed") + who);
  }
  if (e.kind == "staff.resolved") return ApiTexts::Render(language, "why.staff.resolved" + who);
  return std::nullopt;
}

bool IsStaffEntry(const privacy::AuditEntry& e) {
  return e.kind == "staff.viewed" || e.kind == "staff.claimed" || e.kind == "staff.resolved";
}

std::optional<std::string> ConsentWords(std::string_view language, const privacy::AuditEntry& e) {
  if (e.kind != "consent.changed") return std::nullopt;
  boost::system::error_code ec;
  auto detail = boost::json::parse(e.detail, ec);
  if (ec || !detail.is_object()) return std::nullopt;
  const auto& d = detail.as_object();
  const auto* purpose = d.if_contains("purpose");
  const auto* state = d.if_contains("state");
  if (!purpose || !purpose->is_string() || !state || !state->is_string()) return std::nullopt;
  const bool granted = state->as_string() == "granted";
  return ApiTexts::Render(language, granted ? "why.consent.granted" : "why.consent.withdrawn",
                          {{"purpose", purpose->as_string()}});
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
      [this, caller = std::move(*caller)](store::Connection& conn) -> Result<offers::ShownOffers> {
        OPTIN_ASSIGN_OR_RETURN(Visiting v, RequireVisit(conn, caller, d_.visits));
        return d_.personalizer.Show(conn, v.subject_id, v.visit.id);
      },
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
  reply::ReadThen<object>(
      d_.db, kRoute, std::move(respond),
      [this, language, caller = std::move(*caller)](store::Connection& conn) -> Result<object> {
        OPTIN_ASSIGN_OR_RETURN(Subject s, Resolve(conn, caller, d_.visits));
        array statements;
        // Only this visit's story when there is one; otherwise everything on record.
        const int64_t since = s.visit ? s.visit->started_at : 0;
        if (s.visit) {
          const char* key = s.visit->channel == "web"   ? "why.visit.web"
                            : s.visit->channel == "app" ? "why.visit.app"
                                                        : "why.visit.loyalty";
          statements.push_back(
              Statement(s.visit->started_at, "visit",
                        ApiTexts::Render(language, key, {{"pseudonym", s.visit->pseudonym}})));
        }
        OPTIN_ASSIGN_OR_RETURN(auto statuses, d_.ledger.Statuses(conn, s.subject_id));
        for (const auto& st : statuses) {
          if (!st.in_force()) continue;
          const auto& info = consent::Info(st.purpose);
          statements.push_back(Statement(
              st.changed_at, "purpose",
              ApiTexts::Render(language, "why.purpose",
                               {{"purpose", info.id},
                                {"description", PurposeWords(d_.ledger, language, info)}})));
        }
        OPTIN_ASSIGN_OR_RETURN(auto interests, d_.interests.List(conn, s.subject_id));
        if (!interests.empty()) {
          std::string words;
          for (const auto& i : interests) {
            if (!words.empty()) words += ", ";
            words += InterestWords(language, i, d_.interest_labels);
          }
          statements.push_back(
              Statement(std::nullopt, "interests",
                        ApiTexts::Render(language, "why.interests", {{"interests", words}})));
        }
        array shown;
        if (s.visit) {
          OPTIN_ASSIGN_OR_RETURN(auto views, d_.personalizer.views().ForVisit(conn, s.visit->id));
          auto catalog = d_.personalizer.catalog().Current();
          for (const auto& v : views) {
            const offers::Offer* offer = catalog->Find(v.offer_id);
            const std::string title = offer ? offer->In(language).title : v.offer_id;
            const std::string reason = ReasonIn(language, v.reason, d_.interest_labels);
            const std::string times = std::to_string(v.times);
            statements.push_back(Statement(
                v.last_shown_at, "offer",
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
        }
        array staff;
        OPTIN_ASSIGN_OR_RETURN(auto entries, privacy::AuditLog::ForSubject(conn, s.subject_id));
        const StaffDeeds deeds = DeedsOf(entries, since);
        for (const auto& e : entries) {
          if (e.at < since) continue;
          if (IsStaffEntry(e)) {
            // The access log lists every entry; the statements say what each role did.
            if (auto words = StaffWords(language, e, deeds)) {
              statements.push_back(Statement(e.at, "staff", *words));
            }
            staff.push_back(object{{"at", e.at},
                                   {"action", e.kind.substr(std::string_view("staff.").size())},
                                   {"role", AuditRole(e)}});
          } else if (auto words = ConsentWords(language, e)) {
            statements.push_back(Statement(e.at, "consent", *words));
          }
        }
        return object{{"statements", std::move(statements)},
                      {"offers_shown", std::move(shown)},
                      {"staff_access", std::move(staff)},
                      {"note", ApiTexts::Render(language, "why.note")}};
      },
      [language](const object& body) { return InLanguage(reply::Json(200, body), language); });
}

}  // namespace optin::api
