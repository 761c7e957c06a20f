// Property test of the guardrails (issue 7, part 3; PRODUCT.md line 3): over a random catalog
// and 2,000 random shoppers (seeded, so every run draws the same ones), every offer chosen has
// exactly the catalog's price and terms, matches something the shopper declared (or, with
// history, looked at before), respects diversity, the frequency cap and validity windows, and
// carries a reason naming what it matched.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "offers/catalog.h"
#include "offers/offer_selector.h"

namespace optin::offers::offer_selector_property_test {
namespace {

namespace json = boost::json;

constexpr int64_t kNow = 1'790'000'000;
constexpr int kShoppers = 2000;
const std::vector<std::string> kLevels = {"beginner", "intermediate", "expert"};

std::vector<std::string> Categories() {
  std::vector<std::string> c;
  for (int i = 0; i < 15; ++i) c.push_back("category " + std::to_string(i));
  return c;
}

// A random catalog as the JSON a store would write: 400 offers of 1 to 3 categories, some
// expired, some not yet valid, prices in two currencies.
json::object RandomCatalogJson(std::mt19937_64& rng) {
  const auto cats = Categories();
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  json::array offers;
  for (int i = 0; i < 400; ++i) {
    json::array categories;
    std::set<size_t> chosen;
    size_t count = 1 + pick(3);
    while (chosen.size() < count) chosen.insert(pick(cats.size()));
    for (size_t c : chosen) categories.push_back(json::string(cats[c]));
    int64_t from = kNow - 86400 + static_cast<int64_t>(pick(2 * 86400));
    int64_t until = from + 1 + static_cast<int64_t>(pick(3 * 86400));
    json::object o{{"id", "offer-" + std::to_string(i)},
                   {"title", "Offer " + std::to_string(i)},
                   {"categories", std::move(categories)},
                   {"price", json::object{{"amount_minor", static_cast<int64_t>(pick(100000))},
                                          {"currency", pick(2) == 0 ? "EUR" : "CHF"}}},
                   {"terms", "Terms " + std::to_string(pick(1000))},
                   {"valid_from", from},
                   {"valid_until", until}};
    if (pick(3) != 0) o["expertise"] = json::string(kLevels[pick(3)]);
    offers.push_back(std::move(o));
  }
  return json::object{{"version", "property"}, {"offers", std::move(offers)}};
}

struct Drawn {
  ShopperSignals signals;
  SelectionPolicy policy;
};

Drawn RandomShopper(std::mt19937_64& rng) {
  const auto cats = Categories();
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  Drawn d;
  std::set<std::string> topics;
  size_t interests = pick(7);
  while (topics.size() < interests) topics.insert(cats[pick(cats.size())]);
  for (const std::string& t : topics) {
    std::optional<std::string> e;
    if (pick(2) == 0) e = kLevels[pick(3)];
    d.signals.interests.push_back({t, e});
  }
  size_t history = pick(4) == 0 ? pick(5) : 0;
  for (size_t i = 0; i < history; ++i)
    d.signals.history_categories.push_back(cats[pick(cats.size())]);
  size_t shown = pick(30);
  for (size_t i = 0; i < shown; ++i) {
    d.signals.shown_this_visit["offer-" + std::to_string(pick(400))] = static_cast<int>(pick(6));
  }
  d.policy.max_results = 1 + pick(10);
  d.policy.max_per_category = 1 + pick(3);
  d.policy.frequency_cap = 1 + static_cast<int>(pick(4));
  return d;
}

TEST(OfferSelectorPropertyTest, RandomShoppersOnlyGetCatalogPricesAndTermsWithinTheRules) {
  std::mt19937_64 rng(20261123);
  const json::object source = RandomCatalogJson(rng);
  auto parsed = ParseCatalog(json::serialize(source), CatalogRules{Categories()});
  ASSERT_TRUE(parsed) << parsed.error().message;
  const Catalog& catalog = *parsed;

  // The catalog's price and terms per offer id, as the JSON bytes the store wrote.
  std::map<std::string, std::string> written;
  for (const auto& v : source.at("offers").as_array()) {
    const json::object& o = v.as_object();
    written[std::string(o.at("id").as_string())] =
        json::serialize(o.at("price")) + "|" + json::serialize(o.at("terms"));
  }
  auto shown_as = [](const Offer& o) {
    return json::serialize(json::object{{"amount_minor", o.price.amount_minor},
                                        {"currency", o.price.currency}}) +
           "|" + json::serialize(json::string(o.terms));
  };

  size_t total_picks = 0, with_history = 0, shoppers_with_picks = 0;
  for (int n = 0; n < kShoppers; ++n) {
    const Drawn d = RandomShopper(rng);
    const ShopperSignals& s = d.signals;
    const SelectionPolicy& policy = d.policy;
    const auto picks = SelectOffers(catalog, s, policy, kNow);
    SCOPED_TRACE("shopper " + std::to_string(n));

    std::set<std::string> declared, looked_at;
    for (const Interest& in : s.interests) declared.insert(in.topic);
    for (const std::string& c : s.history_categories) looked_at.insert(c);
    if (declared.empty() && looked_at.empty()) {
      EXPECT_TRUE(picks.empty());
    }
    EXPECT_LE(picks.size(), policy.max_results);
    shoppers_with_picks += !picks.empty();

    std::map<std::string, size_t> per_category;
    std::set<const Offer*> seen;
    double previous_score = 1e300;
    for (const Pick& p : picks) {
      ++total_picks;
      ASSERT_NE(p.offer, nullptr);
      // Points into the catalog; nothing per shopper is a copy that could differ.
      ASSERT_GE(p.offer, catalog.offers.data());
      ASSERT_LT(p.offer, catalog.offers.data() + catalog.offers.size());
      const Offer& o = *p.offer;
      EXPECT_TRUE(seen.insert(p.offer).second) << o.id << " chosen twice";
      // Price and terms byte-identical to what the catalog file says.
      EXPECT_EQ(shown_as(o), written.at(o.id)) << o.id;
      // Matches a declared interest or a history category, and says which.
      EXPECT_TRUE(std::find(o.categories.begin(), o.categories.end(), p.category) !=
                  o.categories.end())
          << o.id << " " << p.category;
      const bool is_declared = declared.contains(p.category);
      EXPECT_TRUE(is_declared || looked_at.contains(p.category)) << p.category;
      with_history += !is_declared;
      ASSERT_FALSE(p.reason.empty());
      EXPECT_NE(p.reason.find(p.category), std::string::npos) << p.reason;
      EXPECT_TRUE(p.reason.starts_with(is_declared ? "Because you told us you are into "
                                                   : "Because you looked at "))
          << p.reason;
      // Diversity, frequency cap, validity, ranking.
      EXPECT_LE(++per_category[p.category], policy.max_per_category) << p.category;
      auto shown = s.shown_this_visit.find(o.id);
      EXPECT_TRUE(shown == s.shown_this_visit.end() || shown->second < policy.frequency_cap)
          << o.id;
      EXPECT_TRUE(o.ValidAt(kNow)) << o.id;
      EXPECT_LE(p.score, previous_score);
      previous_score = p.score;
    }
    // Nothing eligible is left out while there is room: an offer not chosen is invalid, capped,
    // unmatched, or every category it matches is full.
    if (picks.size() < policy.max_results) {
      for (const Offer& o : catalog.offers) {
        if (seen.contains(&o) || !o.ValidAt(kNow)) continue;
        auto shown = s.shown_this_visit.find(o.id);
        if (shown != s.shown_this_visit.end() && shown->second >= policy.frequency_cap) continue;
        for (const std::string& c : o.categories) {
          if (!declared.contains(c) && !looked_at.contains(c)) continue;
          EXPECT_EQ(per_category[c], policy.max_per_category)
              << o.id << " left out though " << c << " had room";
        }
      }
    }
    // The same shopper gets the same answer.
    const auto again = SelectOffers(catalog, s, policy, kNow);
    ASSERT_EQ(again.size(), picks.size());
    for (size_t i = 0; i < picks.size(); ++i) {
      EXPECT_EQ(again[i].offer, picks[i].offer);
      EXPECT_EQ(again[i].reason, picks[i].reason);
    }
  }
  // The draw exercised the rules: many shoppers got offers, some through history.
  EXPECT_GT(shoppers_with_picks, static_cast<size_t>(kShoppers) / 2);
  EXPECT_GT(total_picks, static_cast<size_t>(kShoppers));
  EXPECT_GT(with_history, 0u);
}

}  // namespace
}  // namespace optin::offers::offer_selector_property_test
