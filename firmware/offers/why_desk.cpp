#include "offers/why_desk.h"

#include <boost/json/parse.hpp>
#include <set>
#include <string_view>
#include <utility>

#include "privacy/audit_log.h"

namespace optin::offers {
namespace {

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

bool IsStaffEntry(const privacy::AuditEntry& e) {
  return e.kind == "staff.viewed" || e.kind == "staff.claimed" || e.kind == "staff.resolved";
}

// What the staff did with the shopper's help requests since `since`, by role.
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

StaffAction StaffActionOf(const privacy::AuditEntry& e, const StaffDeeds& deeds) {
  StaffAction a{
      .at = e.at, .action = e.kind.substr(std::string_view("staff.").size()), .role = AuditRole(e)};
  if (e.kind == "staff.viewed") {
    a.say = deeds.acted.contains(a.role) ? StaffSay::kNothing : StaffSay::kShown;
  } else if (e.kind == "staff.claimed") {
    a.say = deeds.resolved ? StaffSay::kClaimedDone : StaffSay::kClaimed;
  } else {
    a.say = StaffSay::kResolved;
  }
  return a;
}

// A consent change entry whose detail names a purpose and a state; nothing otherwise.
std::optional<ConsentChanged> ConsentChangeOf(const privacy::AuditEntry& e) {
  if (e.kind != "consent.changed") return std::nullopt;
  boost::system::error_code ec;
  auto detail = boost::json::parse(e.detail, ec);
  if (ec || !detail.is_object()) return std::nullopt;
  const auto& d = detail.as_object();
  const auto* purpose = d.if_contains("purpose");
  const auto* state = d.if_contains("state");
  if (!purpose || !purpose->is_string() || !state || !state->is_string()) return std::nullopt;
  return ConsentChanged{.at = e.at,
                        .purpose = std::string(purpose->as_string()),
                        .granted = state->as_string() == "granted"};
}

}  // namespace

Result<WhyStory> WhyDesk::Tell(store::Connection& conn, const visits::ShopperRef& who) const {
  OPTIN_ASSIGN_OR_RETURN(visits::Shopper s, visits::FindShopper(conn, who, visits_));
  WhyStory story;
  story.visit = std::move(s.visit);
  // Only this visit's story when there is one; otherwise everything on record.
  const int64_t since = story.visit ? story.visit->started_at : 0;
  OPTIN_ASSIGN_OR_RETURN(auto statuses, ledger_.Statuses(conn, s.subject_id));
  for (auto& st : statuses) {
    if (st.in_force()) story.purposes.push_back(std::move(st));
  }
  OPTIN_ASSIGN_OR_RETURN(story.interests, interests_.List(conn, s.subject_id));
  story.catalog = personalizer_.catalog().Current();
  if (story.visit) {
    OPTIN_ASSIGN_OR_RETURN(auto views, personalizer_.views().ForVisit(conn, story.visit->id));
    for (auto& v : views) {
      const Offer* offer = story.catalog->Find(v.offer_id);
      story.offers_shown.push_back(OfferShown{.view = std::move(v), .offer = offer});
    }
  }
  OPTIN_ASSIGN_OR_RETURN(auto entries, privacy::AuditLog::ForSubject(conn, s.subject_id));
  const StaffDeeds deeds = DeedsOf(entries, since);
  for (const auto& e : entries) {
    if (e.at < since) continue;
    if (IsStaffEntry(e)) {
      story.events.emplace_back(StaffActionOf(e, deeds));
    } else if (auto change = ConsentChangeOf(e)) {
      story.events.emplace_back(std::move(*change));
    }
  }
  return story;
}

}  // namespace optin::offers
