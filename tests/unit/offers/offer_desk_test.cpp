// The offers use case with plain values over the daemon's domain graph and a real SQLite
// database: offers picked and recorded in the visit in progress; none, and nothing recorded,
// without one ("no-active-visit") or without `offers`.
#include "offers/offer_desk.h"

#include <gtest/gtest.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <string>
#include <vector>

#include "tests/support/domain_world.h"

namespace optin::offers::offer_desk_test {
namespace {

using boost::json::array;
using boost::json::object;
using consent::Purpose;
using optin::testing::ValueOrDie;

class OfferDeskTest : public ::testing::Test {
 protected:
  OfferDeskTest() : domain_(world_.domain()), desk_(*domain_.visits, *domain_.personalizer) {
    const int64_t now = world_.clock().NowUnix();
    object offer{{"id", "o-climb"},
                 {"title", "Chalk"},
                 {"description", "For climbing."},
                 {"categories", array{"climbing"}},
                 {"price", object{{"amount_minor", 900}, {"currency", "EUR"}}},
                 {"terms", "While stocks last."},
                 {"valid_from", now - 3600},
                 {"valid_until", now + 86400}};
    domain_.catalog.Replace(ValueOrDie(
        ParseCatalog(
            boost::json::serialize(object{{"version", "desk-1"}, {"offers", array{offer}}}),
            CatalogRules{optin::testing::TestDomainSettings().interests}),
        "parse the test catalog"));
  }

  Result<ShownOffers> Show(visits::ShopperRef who) {
    return world_.database().Write(
        [&](store::Connection& c) -> Result<ShownOffers> { return desk_.Show(c, who); });
  }
  void Declare(std::string_view subject) {
    std::vector<Interest> interests{{"climbing", std::nullopt}};
    ASSERT_TRUE(world_.database().Write(
        [&](store::Connection& c) { return domain_.interests->Replace(c, subject, interests); }));
  }

  optin::testing::DomainWorld world_;
  app::Domain& domain_;
  OfferDesk desk_;
};

TEST_F(OfferDeskTest, OffersArePickedAndRecordedInTheVisitInProgress) {
  auto r = ValueOrDie(world_.CheckIn("subject-1", "jti-1", {{Purpose::kOffers, true}}), "check-in");
  Declare("subject-1");
  auto shown = Show({.subject_id = std::nullopt, .visit_token = r.visit_token});
  ASSERT_TRUE(shown) << shown.error().message;
  ASSERT_EQ(shown->picks.size(), 1u);
  EXPECT_EQ(shown->picks[0].offer->id, "o-climb");
  EXPECT_EQ(world_.database().Count("offer_views", "visit_id = ?", r.visit.id), 1);
}

TEST_F(OfferDeskTest, WithoutAVisitInProgressNoOffersAreShownAndNothingIsRecorded) {
  auto r = ValueOrDie(world_.CheckIn("subject-2", "jti-2", {{Purpose::kOffers, true}}), "check-in");
  Declare("subject-2");
  ASSERT_TRUE(world_.database().Write(
      [&](store::Connection& c) { return domain_.visits->End(c, r.visit); }));
  auto shown = Show({.subject_id = "subject-2", .visit_token = std::nullopt});
  ASSERT_FALSE(shown);
  EXPECT_EQ(shown.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(shown.error().reason, "no-active-visit");
  EXPECT_EQ(world_.database().Count("offer_views"), 0);
}

TEST_F(OfferDeskTest, WithoutTheOffersPurposeNothingIsShown) {
  auto r =
      ValueOrDie(world_.CheckIn("subject-3", "jti-3", {{Purpose::kAssistance, true}}), "check-in");
  auto shown = Show({.subject_id = std::nullopt, .visit_token = r.visit_token});
  ASSERT_FALSE(shown);
  EXPECT_EQ(shown.error().reason, "consent-required");
  EXPECT_EQ(world_.database().Count("offer_views"), 0);
}

}  // namespace
}  // namespace optin::offers::offer_desk_test
