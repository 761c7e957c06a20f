#include "api/offers_api.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <set>
#include <string>

#include "api/caller.h"
#include "api/job_reply.h"
#include "api/json_body.h"
#include "privacy/audit_log.h"

namespace optin::api {
namespace {

using boost::json::array;
using boost::json::object;

// One offer as every shopper sees it: only catalog fields, plus why it was picked.
object OfferJson(const offers::Pick& pick) {
  const offers::Offer& o = *pick.offer;
  array categories;
  for (const auto& c : o.categories) categories.push_back(boost::json::string(c));
  object out{
      {"id", o.id},
      {"title", o.title},
      {"description", o.description},
      {"categories", std::move(categories)},
      {"price", object{{"amount_minor", o.price.amount_minor}, {"currency", o.price.currency}}},
      {"terms", o.terms},
      {"valid_from", o.valid_from},
      {"valid_until", o.valid_until},
      {"reason", pick.reason},
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

std::string InterestWords(const offers::Interest& i) {
  return i.expertise ? i.topic + " (" + *i.expertise + ")" : i.topic;
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
std::optional<std::string> StaffWords(const privacy::AuditEntry& e, const StaffDeeds& deeds) {
  const std::string role = AuditRole(e);
  const std::string who = role == "manager" ? "a store manager" : "a store associate";
  const std::string Who = role == "manager" ? "A store manager" : "A store associate";
  if (e.kind == "staff.viewed") {
    if (deeds.acted.contains(role)) return std::nullopt;
    return "Your help request was shown to " + who + " in the staff queue.";
  }
  if (e.kind == "staff.claimed") {
    return Who + " took your help request" + (deeds.resolved ? "." : " and is on the way.");
  }
  if (e.kind == "staff.resolved") return Who + " marked your help request as done.";
  return std::nullopt;
}

bool IsStaffEntry(const privacy::AuditEntry& e) {
  return e.kind == "staff.viewed" || e.kind == "staff.claimed" || e.kind == "staff.resolved";
}

std::optional<std::string> ConsentWords(const privacy::AuditEntry& e) {
  if (e.kind != "consent.changed") return std::nullopt;
  boost::system::error_code ec;
  auto detail = boost::json::parse(e.detail, ec);
  if (ec || !detail.is_object()) return std::nullopt;
  const auto& d = detail.as_object();
  const auto* purpose = d.if_contains("purpose");
  const auto* state = d.if_contains("state");
  if (!purpose || !purpose->is_string() || !state || !state->is_string()) return std::nullopt;
  const bool granted = state->as_string() == "granted";
  return std::string(granted ? "You turned on '" : "You turned off '") +
         std::string(purpose->as_string()) + "'.";
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
  // A write: what is shown is recorded (frequency cap, "why", HQ aggregates under consent).
  reply::WriteThen<offers::ShownOffers>(
      d_.db, kRoute, std::move(respond),
      [this, caller = std::move(*caller)](store::Connection& conn) -> Result<offers::ShownOffers> {
        OPTIN_ASSIGN_OR_RETURN(Visiting v, RequireVisit(conn, caller, d_.visits));
        return d_.personalizer.Show(conn, v.subject_id, v.visit.id);
      },
      [](const offers::ShownOffers& shown) {
        array list;
        for (const auto& pick : shown.picks) list.push_back(OfferJson(pick));
        std::string note;
        // An empty catalog (none installed, or one without offers) is not "nothing matched".
        const bool published = !shown.catalog->offers.empty();
        if (!published) {
          note = "This store has not published any offers yet. Check back later.";
        } else if (!shown.has_signals) {
          note = "Tell us what you are into (your interests) and we will pick offers for it.";
        } else if (shown.picks.empty()) {
          note = "No current offer matches what you told us. Check back later.";
        } else {
          note = "Picked only from what you told us. Prices and terms are the same for everyone.";
        }
        return reply::Json(200, object{{"offers", std::move(list)},
                                       {"catalog_version", shown.catalog->version},
                                       {"catalog_published", published},
                                       {"note", std::move(note)}});
      });
}

void OffersApi::GetWhy(net::Request&& request, net::Responder respond) const {
  constexpr std::string_view kRoute = "GET /v1/me/why";
  auto caller = Identify(request, d_.tokens, d_.pseudonymizer);
  if (!caller) return reply::Refuse(respond, kRoute, caller.error());
  reply::ReadThen<object>(
      d_.db, kRoute, std::move(respond),
      [this, caller = std::move(*caller)](store::Connection& conn) -> Result<object> {
        OPTIN_ASSIGN_OR_RETURN(Subject s, Resolve(conn, caller, d_.visits));
        array statements;
        // Only this visit's story when there is one; otherwise everything on record.
        const int64_t since = s.visit ? s.visit->started_at : 0;
        if (s.visit) {
          statements.push_back(
              Statement(s.visit->started_at, "visit",
                        "You checked in" +
                            std::string(s.visit->channel == "web"   ? " on the store's web page"
                                        : s.visit->channel == "app" ? " with the app"
                                                                    : " with your loyalty card") +
                            ". You appear to staff as \"" + s.visit->pseudonym +
                            "\", never by name unless you allow 'name_to_staff'."));
        }
        OPTIN_ASSIGN_OR_RETURN(auto statuses, d_.ledger.Statuses(conn, s.subject_id));
        for (const auto& st : statuses) {
          if (!st.in_force()) continue;
          const auto& info = consent::Info(st.purpose);
          statements.push_back(Statement(
              st.changed_at, "purpose",
              "You allow '" + std::string(info.id) + "': " + std::string(info.description)));
        }
        OPTIN_ASSIGN_OR_RETURN(auto interests, d_.interests.List(conn, s.subject_id));
        if (!interests.empty()) {
          std::string words;
          for (const auto& i : interests) {
            if (!words.empty()) words += ", ";
            words += InterestWords(i);
          }
          statements.push_back(
              Statement(std::nullopt, "interests",
                        "Offers are picked from the interests you told us: " + words + "."));
        }
        array shown;
        if (s.visit) {
          OPTIN_ASSIGN_OR_RETURN(auto views, d_.personalizer.views().ForVisit(conn, s.visit->id));
          auto catalog = d_.personalizer.catalog().Current();
          for (const auto& v : views) {
            const offers::Offer* offer = catalog->Find(v.offer_id);
            const std::string title = offer ? offer->title : v.offer_id;
            statements.push_back(Statement(
                v.last_shown_at, "offer",
                "We showed you \"" + title + "\" " +
                    (v.times == 1 ? std::string("once") : std::to_string(v.times) + " times") +
                    ". " + v.reason));
            shown.push_back(object{{"offer_id", v.offer_id},
                                   {"title", title},
                                   {"category", v.category},
                                   {"reason", v.reason},
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
            if (auto words = StaffWords(e, deeds)) {
              statements.push_back(Statement(e.at, "staff", *words));
            }
            staff.push_back(object{{"at", e.at},
                                   {"action", e.kind.substr(std::string_view("staff.").size())},
                                   {"role", AuditRole(e)}});
          } else if (auto words = ConsentWords(e)) {
            statements.push_back(Statement(e.at, "consent", *words));
          }
        }
        return object{{"statements", std::move(statements)},
                      {"offers_shown", std::move(shown)},
                      {"staff_access", std::move(staff)},
                      {"note",
                       "This is everything this store's box did with your data in this visit. "
                       "Staff are shown by role, never by name."}};
      },
      [](const object& body) { return reply::Json(200, body); });
}

}  // namespace optin::api
