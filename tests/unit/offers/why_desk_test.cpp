// The "why" use case with plain values over the daemon's domain graph and a real SQLite
// database: only this visit's story while a visit is in progress (everything on record
// otherwise), only the purposes in force, the offers shown with their catalog offer, consent
// changes, and what may be said of each staff role's view, claim or resolution.
#include "offers/why_desk.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <string>
#include <variant>
#include <vector>

#include "privacy/audit_log.h"
#include "tests/support/domain_world.h"

namespace optin::offers::why_desk_test {
namespace {

using boost::json::array;
using boost::json::object;
using consent::Purpose;
using optin::testing::ValueOrDie;

// One offer per store interest, valid around `now`.
Catalog TestCatalog(int64_t now, const std::vector<std::string>& interests) {
  array list;
  for (const auto& category : interests) {
    list.push_back(object{{"id", "o-" + std::to_string(list.size())},
                          {"title", "All for " + category},
                          {"description", "Everything for " + category + "."},
                          {"categories", array{boost::json::string(category)}},
                          {"price", object{{"amount_minor", 1500}, {"currency", "EUR"}}},
                          {"terms", "While stocks last."},
                          {"valid_from", now - 3600},
                          {"valid_until", now + 86400}});
  }
  auto parsed = ParseCatalog(
      boost::json::serialize(object{{"version", "why-1"}, {"offers", std::move(list)}}),
      CatalogRules{interests});
  return ValueOrDie(std::move(parsed), "parse the test catalog");
}

class WhyDeskTest : public ::testing::Test {
 protected:
  WhyDeskTest()
      : domain_(world_.domain()),
        desk_(*domain_.visits, *domain_.ledger, *domain_.interests, *domain_.personalizer) {
    domain_.catalog.Replace(
        TestCatalog(world_.clock().NowUnix(), optin::testing::TestDomainSettings().interests));
  }

  // A checked-in app shopper; returns the check-in.
  visits::CheckInResult CheckIn(std::string_view subject, std::string_view jti,
                                std::vector<consent::ConsentChange> decisions) {
    return ValueOrDie(world_.CheckIn(subject, jti, std::move(decisions)), "check-in");
  }
  void Declare(std::string_view subject, std::vector<Interest> interests) {
    ASSERT_TRUE(world_.database().Write(
        [&](store::Connection& c) { return domain_.interests->Replace(c, subject, interests); }));
  }
  ShownOffers Show(const visits::Visit& visit) {
    return ValueOrDie(world_.database().Write([&](store::Connection& c) {
      return domain_.personalizer->Show(c, visit.subject_id, visit.id);
    }),
                      "show offers");
  }
  // A staff audit entry about the subject's help request, now, by `role` (none: no role).
  void Staff(std::string_view subject, std::string_view kind, std::string_view role) {
    object detail;
    if (!role.empty()) detail["role"] = role;
    ASSERT_TRUE(world_.database().Write([&](store::Connection& c) {
      return privacy::AuditLog::Append(c, world_.clock().NowUnix(), kind, detail, subject);
    }));
  }
  WhyStory Tell(visits::ShopperRef who) {
    return ValueOrDie(
        world_.database().Read([&](store::Connection& c) { return desk_.Tell(c, who); }), "tell");
  }
  static visits::ShopperRef BySubject(std::string_view subject) {
    return {.subject_id = std::string(subject), .visit_token = std::nullopt};
  }
  static visits::ShopperRef ByToken(const visits::CheckInResult& r) {
    return {.subject_id = std::nullopt, .visit_token = r.visit_token};
  }
  static std::vector<StaffAction> StaffOf(const WhyStory& story) {
    std::vector<StaffAction> out;
    for (const auto& e : story.events) {
      if (const auto* a = std::get_if<StaffAction>(&e)) out.push_back(*a);
    }
    return out;
  }
  static std::vector<ConsentChanged> ConsentOf(const WhyStory& story) {
    std::vector<ConsentChanged> out;
    for (const auto& e : story.events) {
      if (const auto* c = std::get_if<ConsentChanged>(&e)) out.push_back(*c);
    }
    return out;
  }
  void Later() { world_.clock().Advance(std::chrono::minutes(5)); }

  optin::testing::DomainWorld world_;
  app::Domain& domain_;
  WhyDesk desk_;
};

TEST_F(WhyDeskTest, WhyTellsOnlyThisVisitsStoryWhenAVisitIsInProgress) {
  auto first = CheckIn("subject-1", "jti-1", {{Purpose::kOffers, true}});
  Declare("subject-1", {{"climbing", std::nullopt}});
  ASSERT_FALSE(Show(first.visit).picks.empty());
  Staff("subject-1", "staff.viewed", "associate");
  Later();
  auto second = CheckIn("subject-1", "jti-2", {{Purpose::kOffers, true}});

  WhyStory now = Tell(ByToken(second));
  ASSERT_TRUE(now.visit.has_value());
  EXPECT_EQ(now.visit->id, second.visit.id);
  EXPECT_TRUE(now.offers_shown.empty()) << "the first visit's offers are not this visit's";
  EXPECT_TRUE(StaffOf(now).empty()) << "the first visit's staff view is not this visit's";
  ASSERT_FALSE(ConsentOf(now).empty());
  for (const auto& c : ConsentOf(now)) EXPECT_GE(c.at, second.visit.started_at);

  // Once the visit is over, everything on record is told.
  ASSERT_TRUE(world_.database().Write(
      [&](store::Connection& c) { return domain_.visits->End(c, second.visit); }));
  WhyStory all = Tell(BySubject("subject-1"));
  EXPECT_FALSE(all.visit.has_value());
  EXPECT_TRUE(all.offers_shown.empty()) << "offers shown are told for a visit in progress only";
  ASSERT_EQ(StaffOf(all).size(), 1u);
  EXPECT_LT(ConsentOf(all).front().at, second.visit.started_at);
  EXPECT_GT(ConsentOf(all).size(), ConsentOf(now).size());
}

TEST_F(WhyDeskTest, OnlyThePurposesInForceAreTold) {
  CheckIn("subject-2", "jti-3", {{Purpose::kOffers, true}, {Purpose::kAssistance, false}});
  WhyStory story = Tell(BySubject("subject-2"));
  std::vector<Purpose> told;
  for (const auto& p : story.purposes) {
    EXPECT_TRUE(p.in_force());
    told.push_back(p.purpose);
  }
  EXPECT_NE(std::find(told.begin(), told.end(), Purpose::kPresence), told.end());
  EXPECT_NE(std::find(told.begin(), told.end(), Purpose::kOffers), told.end());
  EXPECT_EQ(std::find(told.begin(), told.end(), Purpose::kAssistance), told.end());
  // The withdrawal is on record as a consent change all the same.
  bool withdrawn = false;
  for (const auto& c : ConsentOf(story)) withdrawn |= c.purpose == "assistance" && !c.granted;
  EXPECT_TRUE(withdrawn);
}

TEST_F(WhyDeskTest, TheOffersShownThisVisitComeWithTheirInterestsAndCatalogOffer) {
  auto r = CheckIn("subject-3", "jti-4", {{Purpose::kOffers, true}});
  Declare("subject-3", {{"cycling", "beginner"}});
  ShownOffers shown = Show(r.visit);
  ASSERT_EQ(shown.picks.size(), 1u);
  WhyStory story = Tell(ByToken(r));
  ASSERT_EQ(story.interests.size(), 1u);
  EXPECT_EQ(story.interests[0].topic, "cycling");
  ASSERT_EQ(story.offers_shown.size(), 1u);
  EXPECT_EQ(story.offers_shown[0].view.offer_id, shown.picks[0].offer->id);
  EXPECT_EQ(story.offers_shown[0].view.times, 1);
  ASSERT_NE(story.offers_shown[0].offer, nullptr);
  EXPECT_EQ(story.offers_shown[0].offer->title, "All for cycling");

  // An offer no longer in the catalog is still told, without its catalog offer.
  domain_.catalog.Replace(TestCatalog(world_.clock().NowUnix(), {"climbing"}));
  WhyStory after = Tell(ByToken(r));
  ASSERT_EQ(after.offers_shown.size(), 1u);
  EXPECT_EQ(after.offers_shown[0].offer, nullptr);
}

TEST_F(WhyDeskTest, ARoleThatOnlySawARequestIsSaidToHaveBeenShownIt) {
  auto r = CheckIn("subject-4", "jti-5", {{Purpose::kAssistance, true}});
  Staff("subject-4", "staff.viewed", "associate");
  Staff("subject-4", "staff.viewed", "manager");
  Staff("subject-4", "staff.claimed", "manager");
  std::vector<StaffAction> staff = StaffOf(Tell(ByToken(r)));
  ASSERT_EQ(staff.size(), 3u);
  EXPECT_EQ(staff[0].action, "viewed");
  EXPECT_EQ(staff[0].role, "associate");
  EXPECT_EQ(staff[0].say, StaffSay::kShown);
  EXPECT_EQ(staff[1].role, "manager");
  EXPECT_EQ(staff[1].say, StaffSay::kNothing) << "the manager claimed it: that speaks for itself";
  EXPECT_EQ(staff[2].action, "claimed");
  EXPECT_EQ(staff[2].say, StaffSay::kClaimed);
}

TEST_F(WhyDeskTest, AClaimIsOnTheWayOnlyUntilTheRequestIsResolved) {
  auto r = CheckIn("subject-5", "jti-6", {{Purpose::kAssistance, true}});
  Staff("subject-5", "staff.viewed", "associate");
  Staff("subject-5", "staff.claimed", "associate");
  EXPECT_EQ(StaffOf(Tell(ByToken(r)))[1].say, StaffSay::kClaimed);
  Staff("subject-5", "staff.resolved", "associate");
  std::vector<StaffAction> staff = StaffOf(Tell(ByToken(r)));
  ASSERT_EQ(staff.size(), 3u);
  EXPECT_EQ(staff[0].say, StaffSay::kNothing);
  EXPECT_EQ(staff[1].say, StaffSay::kClaimedDone);
  EXPECT_EQ(staff[2].action, "resolved");
  EXPECT_EQ(staff[2].say, StaffSay::kResolved);
}

TEST_F(WhyDeskTest, AStaffEntryNamingNoRoleIsAnAssociates) {
  auto r = CheckIn("subject-6", "jti-7", {{Purpose::kAssistance, true}});
  Staff("subject-6", "staff.viewed", "");
  std::vector<StaffAction> staff = StaffOf(Tell(ByToken(r)));
  ASSERT_EQ(staff.size(), 1u);
  EXPECT_EQ(staff[0].role, "associate");
  EXPECT_EQ(staff[0].say, StaffSay::kShown);
}

TEST_F(WhyDeskTest, AnUnknownVisitTokenIsRefused) {
  auto r = world_.database().Read([&](store::Connection& c) {
    return desk_.Tell(c,
                      visits::ShopperRef{.subject_id = std::nullopt, .visit_token = "vt_nothing"});
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
}

}  // namespace
}  // namespace optin::offers::why_desk_test
