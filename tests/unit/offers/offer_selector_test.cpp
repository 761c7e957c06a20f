// Offer selection rules (issue 7, part 2): declared interests and expertise first, history
// only when given, validity windows, the frequency cap, diversity, reasons in words, and
// determinism.
#include "offers/offer_selector.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace optin::offers::offer_selector_test {
namespace {

constexpr int64_t kNow = 1'790'000'000;

Offer MakeOffer(std::string id, std::vector<std::string> categories,
                std::optional<std::string> expertise = std::nullopt) {
  Offer o;
  o.id = std::move(id);
  o.title = "Offer " + o.id;
  o.categories = std::move(categories);
  o.expertise = std::move(expertise);
  o.price = {1990, "EUR"};
  o.terms = "While stocks last.";
  o.valid_from = kNow - 3600;
  o.valid_until = kNow + 3600;
  return o;
}

Catalog MakeCatalog(std::vector<Offer> offers) {
  Catalog c;
  c.version = "test";
  c.offers = std::move(offers);
  c.Reindex();
  return c;
}

std::vector<std::string> Ids(const std::vector<Pick>& picks) {
  std::vector<std::string> ids;
  for (const Pick& p : picks) ids.push_back(p.offer->id);
  return ids;
}

ShopperSignals Declared(std::vector<Interest> interests) {
  ShopperSignals s;
  s.interests = std::move(interests);
  return s;
}

TEST(OfferSelectorTest, WithoutInterestsOrHistoryNothingIsPersonalized) {
  Catalog c = MakeCatalog({MakeOffer("a", {"hiking"}), MakeOffer("b", {"climbing"})});
  ShopperSignals none;
  none.shown_this_visit["a"] = 1;  // having been shown something is not a signal
  EXPECT_TRUE(SelectOffers(c, none, {}, kNow).empty());
}

TEST(OfferSelectorTest, OnlyOffersMatchingADeclaredInterestAreChosenWithTheReason) {
  Catalog c = MakeCatalog({MakeOffer("a", {"hiking"}), MakeOffer("b", {"climbing"}),
                           MakeOffer("c", {"trail running"})});
  auto picks = SelectOffers(c, Declared({{"trail running", std::nullopt}}), {}, kNow);
  ASSERT_EQ(picks.size(), 1u);
  EXPECT_EQ(picks[0].offer, &c.offers[2]);  // points into the catalog
  EXPECT_EQ(picks[0].category, "trail running");
  EXPECT_EQ(picks[0].reason, "Because you told us you are into trail running.");
  EXPECT_GT(picks[0].score, 0);
  // An interest the catalog has no offer for chooses nothing.
  EXPECT_TRUE(SelectOffers(c, Declared({{"swimming", "expert"}}), {}, kNow).empty());
}

TEST(OfferSelectorTest, MatchingExpertiseRanksFirstAndIsNamedInTheReason) {
  Catalog c = MakeCatalog({MakeOffer("e-expert", {"climbing"}, "expert"),
                           MakeOffer("i-intermediate", {"climbing"}, "intermediate"),
                           MakeOffer("n-any", {"climbing"}),
                           MakeOffer("z-beginner", {"climbing"}, "beginner")});
  SelectionPolicy policy;
  policy.max_per_category = 4;
  auto picks = SelectOffers(c, Declared({{"climbing", "beginner"}}), policy, kNow);
  EXPECT_EQ(Ids(picks),
            (std::vector<std::string>{"z-beginner", "n-any", "i-intermediate", "e-expert"}));
  EXPECT_EQ(picks[0].reason, "Because you told us you are into climbing (beginner).");
  EXPECT_EQ(picks[1].reason, "Because you told us you are into climbing (beginner).");
  // Not claimed for an offer of another level.
  EXPECT_EQ(picks[3].reason, "Because you told us you are into climbing.");
  // An expert gets the expert offer first.
  auto expert = SelectOffers(c, Declared({{"climbing", "expert"}}), policy, kNow);
  EXPECT_EQ(expert[0].offer->id, "e-expert");
}

TEST(OfferSelectorTest, HistoryCountsOnlyAfterDeclaredInterestsAndSaysSo) {
  Catalog c = MakeCatalog(
      {MakeOffer("h1", {"hiking"}), MakeOffer("c1", {"climbing"}), MakeOffer("y1", {"cycling"})});
  ShopperSignals s = Declared({{"cycling", std::nullopt}});
  s.history_categories = {"hiking", "climbing"};  // hiking most often
  auto picks = SelectOffers(c, s, {}, kNow);
  EXPECT_EQ(Ids(picks), (std::vector<std::string>{"y1", "h1", "c1"}));
  EXPECT_EQ(picks[1].reason, "Because you looked at hiking offers on an earlier visit.");
  EXPECT_EQ(picks[1].category, "hiking");
  // History alone is a signal (the caller passes it only under `history`).
  ShopperSignals history_only;
  history_only.history_categories = {"climbing"};
  EXPECT_EQ(Ids(SelectOffers(c, history_only, {}, kNow)), (std::vector<std::string>{"c1"}));
  // A category both declared and in history is declared.
  s.history_categories = {"cycling"};
  auto both = SelectOffers(c, s, {}, kNow);
  ASSERT_EQ(both.size(), 1u);
  EXPECT_EQ(both[0].reason, "Because you told us you are into cycling.");
}

TEST(OfferSelectorTest, OnlyOffersValidNowAreChosen) {
  Offer future = MakeOffer("future", {"hiking"});
  future.valid_from = kNow + 1;
  Offer ended = MakeOffer("ended", {"hiking"});
  ended.valid_until = kNow;  // the end is exclusive
  Offer starts_now = MakeOffer("starts-now", {"hiking"});
  starts_now.valid_from = kNow;
  Catalog c = MakeCatalog({future, ended, starts_now, MakeOffer("open", {"hiking"})});
  SelectionPolicy policy;
  policy.max_per_category = 10;
  EXPECT_EQ(Ids(SelectOffers(c, Declared({{"hiking", std::nullopt}}), policy, kNow)),
            (std::vector<std::string>{"open", "starts-now"}));
}

TEST(OfferSelectorTest, AnExpiredBundleCatalogChoosesNothing) {
  Catalog c = MakeCatalog({MakeOffer("a", {"hiking"})});
  c.expires_at = kNow + 1;
  EXPECT_EQ(SelectOffers(c, Declared({{"hiking", std::nullopt}}), {}, kNow).size(), 1u);
  c.expires_at = kNow;
  EXPECT_TRUE(SelectOffers(c, Declared({{"hiking", std::nullopt}}), {}, kNow).empty());
}

TEST(OfferSelectorTest, OffersShownUpToTheFrequencyCapAreSkipped) {
  Catalog c = MakeCatalog(
      {MakeOffer("a", {"hiking"}), MakeOffer("b", {"hiking"}), MakeOffer("c", {"hiking"})});
  ShopperSignals s = Declared({{"hiking", std::nullopt}});
  s.shown_this_visit = {{"a", 3}, {"b", 2}, {"not-in-catalog", 9}};
  SelectionPolicy policy;
  policy.max_per_category = 3;
  policy.frequency_cap = 3;
  EXPECT_EQ(Ids(SelectOffers(c, s, policy, kNow)), (std::vector<std::string>{"b", "c"}));
  policy.frequency_cap = 2;
  EXPECT_EQ(Ids(SelectOffers(c, s, policy, kNow)), (std::vector<std::string>{"c"}));
  policy.frequency_cap = 0;
  EXPECT_TRUE(SelectOffers(c, s, policy, kNow).empty());
}

TEST(OfferSelectorTest, NoMoreThanMaxPerCategoryAndNoMoreThanMaxResults) {
  std::vector<Offer> offers;
  for (int i = 0; i < 5; ++i) offers.push_back(MakeOffer("h" + std::to_string(i), {"hiking"}));
  for (int i = 0; i < 5; ++i) offers.push_back(MakeOffer("c" + std::to_string(i), {"climbing"}));
  for (int i = 0; i < 5; ++i) offers.push_back(MakeOffer("y" + std::to_string(i), {"cycling"}));
  Catalog c = MakeCatalog(offers);
  ShopperSignals s = Declared({{"hiking", "expert"}, {"climbing", std::nullopt}});
  SelectionPolicy policy;  // 6 results, 2 per category
  EXPECT_EQ(Ids(SelectOffers(c, s, policy, kNow)),
            (std::vector<std::string>{"c0", "c1", "h0", "h1"}));
  s.interests.push_back({"cycling", std::nullopt});
  policy.max_results = 5;
  auto picks = SelectOffers(c, s, policy, kNow);
  EXPECT_EQ(Ids(picks), (std::vector<std::string>{"c0", "c1", "h0", "h1", "y0"}));
  policy.max_per_category = 1;
  EXPECT_EQ(Ids(SelectOffers(c, s, policy, kNow)), (std::vector<std::string>{"c0", "h0", "y0"}));
}

TEST(OfferSelectorTest, AnOfferInSeveralCategoriesIsChosenForOneThatHasRoom) {
  Catalog c =
      MakeCatalog({MakeOffer("a", {"hiking"}, "beginner"), MakeOffer("b", {"hiking"}, "beginner"),
                   MakeOffer("c", {"hiking", "camping"}, "beginner")});
  // c ties with a and b on hiking and comes after them by id; hiking is then full, so c is
  // chosen for camping, which the shopper looked at before.
  ShopperSignals s = Declared({{"hiking", "beginner"}});
  s.history_categories = {"camping"};
  auto picks = SelectOffers(c, s, {}, kNow);
  ASSERT_EQ(Ids(picks), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(picks[0].category, "hiking");
  EXPECT_EQ(picks[2].category, "camping");
  EXPECT_EQ(picks[2].reason, "Because you looked at camping offers on an earlier visit.");
  EXPECT_LT(picks[2].score, picks[1].score);
}

TEST(OfferSelectorTest, SameInputSameOutputWithTiesByOfferId) {
  std::vector<Offer> offers;
  for (std::string id : {"m", "b", "x", "a", "k"}) offers.push_back(MakeOffer(id, {"hiking"}));
  Catalog c = MakeCatalog(offers);
  SelectionPolicy policy;
  policy.max_per_category = 5;
  ShopperSignals s = Declared({{"hiking", std::nullopt}});
  auto first = SelectOffers(c, s, policy, kNow);
  EXPECT_EQ(Ids(first), (std::vector<std::string>{"a", "b", "k", "m", "x"}));
  EXPECT_EQ(Ids(SelectOffers(c, s, policy, kNow)), Ids(first));
  // A catalog built without Reindex() (unsorted, no index) chooses the same.
  Catalog raw;
  raw.offers = offers;
  EXPECT_FALSE(raw.indexed());
  EXPECT_EQ(Ids(SelectOffers(raw, s, policy, kNow)), Ids(first));
}

}  // namespace
}  // namespace optin::offers::offer_selector_test
