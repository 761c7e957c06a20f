// Offer texts per language (issue 16 part 4): title, description and terms may be one string
// (the store's default language, shown to everyone) or an object giving them in every store
// language; a catalog that lacks a store language is refused whole, naming the pointer at fault.
// Reasons are parsed back into parts so that they can be said in the shopper's language.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <string>

#include "offers/catalog.h"
#include "offers/offer_selector.h"

namespace optin::offers::catalog_languages_test {
namespace {

namespace json = boost::json;

constexpr int64_t kNow = 1'790'000'000;

CatalogRules Rules() {
  CatalogRules rules{{"trail running", "hiking"}};
  rules.languages = {"it", "en", "de"};
  return rules;
}

json::object Offer1(json::value title, json::value terms = "While stocks last.") {
  return json::object{{"id", "shoes-1"},
                      {"title", std::move(title)},
                      {"description", "Light shoes."},
                      {"categories", json::array{"trail running"}},
                      {"price", json::object{{"amount_minor", 2490}, {"currency", "EUR"}}},
                      {"terms", std::move(terms)},
                      {"valid_from", kNow - 3600},
                      {"valid_until", kNow + 86400}};
}

Result<Catalog> Parse(json::object offer) {
  json::object c{{"version", "1"}, {"offers", json::array{std::move(offer)}}};
  return ParseCatalog(json::serialize(c), Rules());
}

TEST(CatalogLanguagesTest, PerLanguageTitlesAreKeptAndTheDefaultLanguagesLeadsTheOffer) {
  auto c = Parse(Offer1(json::object{{"it", "Scarpe da trail"},
                                     {"en", "Trail shoes"},
                                     {"de", "Trailschuhe"},
                                     {"fr", "Chaussures de trail"}}));
  ASSERT_TRUE(c) << c.error().message;
  const Offer& o = c->offers.at(0);
  EXPECT_EQ(o.title, "Scarpe da trail");  // "it" is the store's default
  EXPECT_EQ(o.In("de").title, "Trailschuhe");
  EXPECT_EQ(o.In("en").title, "Trail shoes");
  // A field given as one string is the same in every language.
  EXPECT_EQ(o.In("de").terms, "While stocks last.");
  // A language the store does not offer gets the default language's words.
  EXPECT_EQ(o.In("fr").title, "Scarpe da trail");
}

TEST(CatalogLanguagesTest, PlainStringsStillMeanTheDefaultLanguage) {
  auto c = Parse(Offer1("Trail shoes"));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE(c->offers.at(0).words.empty());
  EXPECT_EQ(c->offers.at(0).In("de").title, "Trail shoes");
}

TEST(CatalogLanguagesTest, ATextLackingAStoreLanguageIsRefusedAtItsPointer) {
  auto c = Parse(Offer1("Trail shoes",
                        json::object{{"it", "Fino a esaurimento."}, {"en", "While stocks last."}}));
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().reason, "missing-language");
  EXPECT_EQ(c.error().field, "/offers/0/terms/de");
  EXPECT_NE(c.error().message.find("it, en, de"), std::string::npos) << c.error().message;
}

TEST(CatalogLanguagesTest, EachLanguagesTextIsCheckedLikeAPlainOne) {
  auto c = Parse(Offer1(json::object{{"it", ""}, {"en", "Trail shoes"}, {"de", "Trailschuhe"}}));
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().reason, "too-short");
  EXPECT_EQ(c.error().field, "/offers/0/title/it");
  auto odd = Parse(Offer1(json::object{{"it", "a"}, {"en", "b"}, {"de", "c"}, {"not a tag", "d"}}));
  ASSERT_FALSE(odd);
  EXPECT_EQ(odd.error().reason, "invalid-language");
  EXPECT_EQ(odd.error().field, "/offers/0/title/not a tag");
  auto typed = Parse(Offer1(json::object{{"it", "a"}, {"en", 7}, {"de", "c"}}));
  ASSERT_FALSE(typed);
  EXPECT_EQ(typed.error().field, "/offers/0/title/en");
}

TEST(CatalogLanguagesTest, EveryReasonSelectOffersWritesParsesBackIntoItsParts) {
  CatalogRules rules{{"trail running", "hiking"}};
  json::object offer = Offer1("Trail shoes");
  offer["expertise"] = "beginner";
  json::object c{{"version", "1"}, {"offers", json::array{offer}}};
  auto catalog = ParseCatalog(json::serialize(c), rules);
  ASSERT_TRUE(catalog) << catalog.error().message;
  ShopperSignals declared;
  declared.interests.push_back(Interest{"trail running", std::string("beginner")});
  auto picks = SelectOffers(*catalog, declared, SelectionPolicy{}, kNow);
  ASSERT_EQ(picks.size(), 1u);
  EXPECT_EQ(ParseReason(picks[0].reason),
            (ReasonParts{true, "trail running", std::string("beginner")}));
  ShopperSignals history;
  history.history_categories = {"trail running"};
  picks = SelectOffers(*catalog, history, SelectionPolicy{}, kNow);
  ASSERT_EQ(picks.size(), 1u);
  EXPECT_EQ(ParseReason(picks[0].reason), (ReasonParts{false, "trail running", std::nullopt}));
  EXPECT_FALSE(ParseReason("Because I said so."));
}

}  // namespace
}  // namespace optin::offers::catalog_languages_test
