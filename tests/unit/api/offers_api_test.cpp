// GET /v1/offers and GET /v1/me/why through OffersApi with the daemon's wiring and no sockets:
// offers only under `offers`, each with its reason in words, the frequency cap, history only
// under `history`, the same price and terms for every shopper, and the shopper's own account of
// every use of their data (purposes, offers shown and why, staff views and claims by role).
#include <gtest/gtest.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <map>
#include <random>
#include <set>
#include <string>

#include "api/offers_api.h"
#include "offers/catalog.h"
#include "offers/catalog_holder.h"
#include "offers/offer_views.h"
#include "offers/personalizer.h"
#include "tests/unit/api/assist_fixture.h"

namespace optin::testing::offers_api_test {
namespace {

using boost::json::array;
using boost::json::object;

// Two offers per store interest: one for beginners, one for experts, each with its own price.
std::string TestCatalogJson(int64_t now) {
  array offers;
  int n = 0;
  for (const auto& category : TestInterests()) {
    for (const char* level : {"beginner", "expert"}) {
      ++n;
      std::string id = "o" + std::to_string(n);
      offers.push_back(
          object{{"id", id},
                 {"title", category + " for " + level + "s"},
                 {"description", "Everything for " + category + "."},
                 {"categories", array{boost::json::string(category)}},
                 {"expertise", level},
                 {"price", object{{"amount_minor", 1000 + 111 * n}, {"currency", "EUR"}}},
                 {"terms", "While stocks last. Offer " + id + "."},
                 {"valid_from", now - 3600},
                 {"valid_until", now + 86400}});
    }
  }
  return Json(object{{"version", "test-1"}, {"offers", std::move(offers)}});
}

class OffersApiTest : public AssistApiFixture {
 protected:
  OffersApiTest()
      : catalog_(stack_->domain->catalog),
        personalizer_(*stack_->domain->personalizer),
        offers_api_(api::OffersApiDeps{*db_, clock_, *stack_->ledger, *stack_->visits,
                                       *stack_->tokens, *stack_->pseudonymizer, *stack_->interests,
                                       personalizer_}) {
    auto parsed = offers::ParseCatalog(TestCatalogJson(clock_.NowUnix()),
                                       offers::CatalogRules{TestInterests()});
    EXPECT_TRUE(parsed.has_value()) << parsed.error().message;
    if (parsed) catalog_.Replace(std::move(*parsed));
  }

  Reply Offers(std::string_view token) {
    return CallOn(offers_api_, &api::OffersApi::GetOffers,
                  MakeRequest("GET", "/v1/offers", {}, token));
  }
  Reply Why(std::string_view token) {
    return CallOn(offers_api_, &api::OffersApi::GetWhy,
                  MakeRequest("GET", "/v1/me/why", {}, token));
  }
  // A checked-in app shopper with `purposes` and `interests`; returns the visit token.
  std::string ShopperWith(std::string_view sub, object purposes, array interests) {
    std::string token = Shopper(sub, std::move(purposes));
    if (!interests.empty()) {
      Reply r = PutInterests(token, std::move(interests));
      EXPECT_EQ(r.status, 200) << r.raw_body;
    }
    return token;
  }
  static std::set<std::string> Ids(const Reply& r) {
    std::set<std::string> ids;
    for (const auto& o : r.obj().at("offers").as_array()) {
      ids.emplace(o.as_object().at("id").as_string());
    }
    return ids;
  }

  // The fixture's domain's (selection policy: TestDomainSettings).
  offers::CatalogHolder& catalog_;
  offers::Personalizer& personalizer_;
  api::OffersApi offers_api_;
};

TEST_F(OffersApiTest, OffersNeedTheOffersPurposeAndRecordNothingWithoutIt) {
  const std::string token = Shopper("app-user-1", {{"assistance", true}});
  Reply r = Offers(token);
  EXPECT_EQ(r.status, 403) << r.raw_body;
  EXPECT_EQ(r.problem_reason(), "consent-required");
  EXPECT_EQ(CountRows("offer_views"), 0);
}

TEST_F(OffersApiTest, EachOfferComesWithItsReasonInWords) {
  const std::string token =
      ShopperWith("app-user-1", {{"offers", true}},
                  array{object{{"topic", "trail running"}, {"expertise", "beginner"}}});
  Reply r = Offers(token);
  ASSERT_EQ(r.status, 200) << r.raw_body;
  const auto& list = r.obj().at("offers").as_array();
  ASSERT_FALSE(list.empty());
  for (const auto& v : list) {
    const auto& o = v.as_object();
    const std::string reason(o.at("reason").as_string());
    EXPECT_NE(reason.find("trail running"), std::string::npos) << reason;
    EXPECT_EQ(o.at("categories").as_array().front().as_string(), "trail running");
  }
  // The beginner's offer comes first for a beginner.
  EXPECT_EQ(list.front().as_object().at("expertise").as_string(), "beginner");
  EXPECT_EQ(r.obj().at("catalog_version").as_string(), "test-1");
  EXPECT_EQ(CountRows("offer_views"), static_cast<int64_t>(list.size()));
}

TEST_F(OffersApiTest, WithoutInterestsThereIsNothingToPersonalizeAndTheNoteSaysHow) {
  const std::string token = Shopper("app-user-1", {{"offers", true}});
  Reply r = Offers(token);
  ASSERT_EQ(r.status, 200) << r.raw_body;
  EXPECT_TRUE(r.obj().at("offers").as_array().empty());
  EXPECT_NE(std::string(r.obj().at("note").as_string()).find("interests"), std::string::npos);
}

TEST_F(OffersApiTest, AnOfferShownAsOftenAsTheCapIsNotShownAgainInThisVisit) {
  const std::string token =
      ShopperWith("app-user-1", {{"offers", true}}, array{boost::json::string("yoga")});
  std::set<std::string> first;
  for (int i = 0; i < 3; ++i) {
    Reply r = Offers(token);
    ASSERT_EQ(r.status, 200) << r.raw_body;
    if (i == 0) first = Ids(r);
    EXPECT_EQ(Ids(r), first);
  }
  ASSERT_FALSE(first.empty());
  Reply fourth = Offers(token);
  ASSERT_EQ(fourth.status, 200) << fourth.raw_body;
  for (const auto& id : Ids(fourth)) EXPECT_FALSE(first.contains(id)) << id;
}

TEST_F(OffersApiTest, EarlierVisitsCountOnlyUnderHistory) {
  // Visit 1: hiking offers are shown.
  std::string token = ShopperWith("app-user-1", {{"offers", true}, {"history", true}},
                                  array{boost::json::string("hiking")});
  ASSERT_EQ(Offers(token).status, 200);
  // Visit 2: the shopper now says yoga; hiking comes back only because of history.
  token = ShopperWith("app-user-1", {{"offers", true}, {"history", true}},
                      array{boost::json::string("yoga")});
  Reply with_history = Offers(token);
  ASSERT_EQ(with_history.status, 200) << with_history.raw_body;
  bool hiking_from_history = false;
  for (const auto& v : with_history.obj().at("offers").as_array()) {
    const auto& o = v.as_object();
    if (o.at("matched").as_string() == "hiking") {
      hiking_from_history = true;
      EXPECT_NE(std::string(o.at("reason").as_string()).find("earlier visit"), std::string::npos);
    }
  }
  EXPECT_TRUE(hiking_from_history);

  ASSERT_EQ(PutConsent(token, "history", false).status, 200);
  Reply without = Offers(token);
  ASSERT_EQ(without.status, 200) << without.raw_body;
  for (const auto& v : without.obj().at("offers").as_array()) {
    EXPECT_NE(v.as_object().at("matched").as_string(), "hiking");
  }
}

TEST_F(OffersApiTest, PriceAndTermsAreTheCatalogsForEveryRandomShopper) {
  auto catalog = catalog_.Current();
  std::mt19937 rng(20261123);
  const auto& interests = TestInterests();
  const char* levels[] = {"beginner", "intermediate", "expert"};
  int offers_seen = 0;
  for (int i = 0; i < 40; ++i) {
    array declared;
    std::set<std::string> picked;
    const int n = 1 + static_cast<int>(rng() % interests.size());
    for (int k = 0; k < n; ++k) {
      const std::string& topic = interests[rng() % interests.size()];
      if (!picked.insert(topic).second) continue;
      if (rng() % 2) {
        declared.push_back(object{{"topic", topic}, {"expertise", levels[rng() % 3]}});
      } else {
        declared.push_back(boost::json::string(topic));
      }
    }
    object purposes{{"offers", true}, {"history", rng() % 2 == 0}};
    const std::string token =
        ShopperWith("shopper-" + std::to_string(i), std::move(purposes), std::move(declared));
    Reply r = Offers(token);
    ASSERT_EQ(r.status, 200) << r.raw_body;
    for (const auto& v : r.obj().at("offers").as_array()) {
      const auto& o = v.as_object();
      const offers::Offer* original = catalog->Find(o.at("id").as_string());
      ASSERT_NE(original, nullptr);
      EXPECT_EQ(o.at("price").as_object().at("amount_minor").as_int64(),
                original->price.amount_minor);
      EXPECT_EQ(o.at("price").as_object().at("currency").as_string(), original->price.currency);
      EXPECT_EQ(o.at("terms").as_string(), original->terms);
      EXPECT_EQ(o.at("title").as_string(), original->title);
      ++offers_seen;
    }
  }
  EXPECT_GT(offers_seen, 40);
}

TEST_F(OffersApiTest, OffersNeedAVisitInProgress) {
  const std::string app_token = MintAppToken("app-user-1");
  Reply r = Offers(app_token);
  EXPECT_EQ(r.status, 404) << r.raw_body;
  EXPECT_EQ(r.problem_reason(), "no-active-visit");
}

TEST_F(OffersApiTest, ShownOffersAreInTheShoppersDataAndGoWithErasure) {
  const std::string token =
      ShopperWith("app-user-1", {{"offers", true}}, array{boost::json::string("cycling")});
  ASSERT_EQ(Offers(token).status, 200);
  Reply me = GetMe(token);
  ASSERT_EQ(me.status, 200) << me.raw_body;
  ASSERT_TRUE(me.obj().contains("offer_views")) << me.raw_body;
  EXPECT_FALSE(me.obj().at("offer_views").as_array().empty());
  Reply erased = Call(&api::ShopperApi::DeleteMe, MakeRequest("DELETE", "/v1/me", {}, token));
  ASSERT_EQ(erased.status, 200) << erased.raw_body;
  EXPECT_EQ(CountRows("offer_views"), 0);
}

TEST_F(OffersApiTest, WhyTellsPurposesOffersAndStaffByRoleNeverByName) {
  const std::string token =
      ShopperWith("app-user-1", {{"offers", true}, {"assistance", true}},
                  array{object{{"topic", "climbing"}, {"expertise", "expert"}}});
  ASSERT_EQ(Offers(token).status, 200);
  Reply asked = AskFor(token, "Which harness?");
  ASSERT_EQ(asked.status, 201) << asked.raw_body;
  const std::string staff = StaffToken("1001", assist::StaffRole::kManager);
  ASSERT_EQ(Prompts(staff).status, 200);
  ASSERT_EQ(Claim(staff, Str(asked.obj().at("request").as_object().at("id"))).status, 200);

  Reply why = Why(token);
  ASSERT_EQ(why.status, 200) << why.raw_body;
  std::set<std::string> kinds;
  bool offer_reason = false;
  for (const auto& v : why.obj().at("statements").as_array()) {
    const auto& s = v.as_object();
    kinds.emplace(s.at("kind").as_string());
    const std::string text(s.at("text").as_string());
    EXPECT_FALSE(text.empty());
    if (s.at("kind").as_string() == "offer" && text.find("climbing") != std::string::npos) {
      offer_reason = true;
    }
  }
  for (const char* k : {"visit", "purpose", "interests", "offer", "staff"}) {
    EXPECT_TRUE(kinds.contains(k)) << k << " in " << why.raw_body;
  }
  EXPECT_TRUE(offer_reason) << why.raw_body;
  std::set<std::string> actions;
  for (const auto& v : why.obj().at("staff_access").as_array()) {
    EXPECT_EQ(v.as_object().at("role").as_string(), "manager");
    actions.emplace(v.as_object().at("action").as_string());
  }
  EXPECT_EQ(actions, (std::set<std::string>{"viewed", "claimed"}));
  // The staff member's id never reaches the shopper.
  EXPECT_EQ(why.raw_body.find("1001"), std::string::npos);
}

TEST_F(OffersApiTest, WhySaysWhatEachRoleDidAndNotThatAManagerWhoOnlyResolvedSawIt) {
  const std::string token = ShopperWith("app-user-2", {{"assistance", true}}, array{});
  Reply asked = AskFor(token, "Which harness?");
  ASSERT_EQ(asked.status, 201) << asked.raw_body;
  const std::string id = Str(asked.obj().at("request").as_object().at("id"));
  const std::string associate = StaffToken("1002");
  const std::string manager = StaffToken("1003", assist::StaffRole::kManager);
  ASSERT_EQ(Prompts(associate).status, 200);  // listed on the associate's console
  auto staff_words = [&] {
    std::vector<std::string> out;
    const Reply why = Why(token);
    for (const auto& v : why.obj().at("statements").as_array()) {
      if (v.as_object().at("kind").as_string() == "staff") {
        out.emplace_back(v.as_object().at("text").as_string());
      }
    }
    return out;
  };
  EXPECT_EQ(staff_words(), (std::vector<std::string>{
                               "Your help request was shown to a store associate in the staff "
                               "queue."}));
  ASSERT_EQ(Claim(associate, id).status, 200);
  EXPECT_EQ(
      staff_words(),
      (std::vector<std::string>{"A store associate took your help request and is on the way."}));
  ASSERT_EQ(Resolve(manager, id).status, 200);  // the manager never listed the queue
  EXPECT_EQ(staff_words(),
            (std::vector<std::string>{"A store associate took your help request.",
                                      "A store manager marked your help request as done."}));
}

TEST_F(OffersApiTest, WhyWithoutATokenIs401) {
  Reply r = Why("");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.problem_reason(), "missing-token");
}

}  // namespace
}  // namespace optin::testing::offers_api_test
