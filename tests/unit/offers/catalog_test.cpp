// The catalog loader: what a valid catalog becomes, and each way a catalog is refused whole
// (issue 7, parts 1 and 3), for files and for HQ-signed bundles.
#include "offers/catalog.h"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <string>

#include "platform/crypto.h"
#include "platform/encoding.h"
#include "platform/random.h"
#include "privacy/jws.h"
#include "tests/support/domain_fixture.h"

namespace optin::offers::catalog_test {
namespace {

namespace json = boost::json;
using optin::testing::ValueOrDie;

constexpr int64_t kNow = 1'790'000'000;

CatalogRules Rules() { return CatalogRules{{"trail running", "hiking", "climbing", "cycling"}}; }

json::object GoodOffer(std::string id) {
  return json::object{{"id", id},
                      {"title", "Trail shoes, 20% off"},
                      {"description", "Light shoes for muddy paths.\nAll sizes."},
                      {"categories", json::array{"trail running"}},
                      {"expertise", "beginner"},
                      {"price", json::object{{"amount_minor", 2490}, {"currency", "EUR"}}},
                      {"terms", "While stocks last."},
                      {"valid_from", kNow - 3600},
                      {"valid_until", kNow + 86400}};
}

json::object GoodCatalog() {
  json::array offers;
  offers.push_back(GoodOffer("shoes-1"));
  json::object hiking = GoodOffer("boots-2");
  hiking["categories"] = json::array{"hiking", "trail running"};
  hiking.erase("expertise");
  offers.push_back(std::move(hiking));
  return json::object{{"version", "2026-11-23.1"}, {"offers", std::move(offers)}};
}

Result<Catalog> Parse(const json::value& v) { return ParseCatalog(json::serialize(v), Rules()); }

// A catalog with `mutate` applied to its first offer.
Result<Catalog> ParseWithOffer(const std::function<void(json::object&)>& mutate) {
  json::object c = GoodCatalog();
  mutate(c["offers"].as_array()[0].as_object());
  return Parse(c);
}

void ExpectRefused(const Result<Catalog>& r, std::string_view reason, std::string_view field) {
  ASSERT_FALSE(r) << "accepted, expected " << reason;
  EXPECT_EQ(r.error().reason, reason) << r.error().message;
  EXPECT_EQ(r.error().field, field) << r.error().message;
  // The message names the pointer, so a person reading a log knows where to look.
  EXPECT_TRUE(r.error().message.starts_with(std::string(field.empty() ? "/" : field) + ": "))
      << r.error().message;
}

TEST(CatalogTest, ValidCatalogIsParsedSortedByIdAndIndexedByCategory) {
  auto c = Parse(GoodCatalog());
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->version, "2026-11-23.1");
  EXPECT_EQ(c->source, "file");
  ASSERT_EQ(c->offers.size(), 2u);
  EXPECT_EQ(c->offers[0].id, "boots-2");
  EXPECT_EQ(c->offers[1].id, "shoes-1");
  const Offer& shoes = c->offers[1];
  EXPECT_EQ(shoes.title, "Trail shoes, 20% off");
  EXPECT_EQ(shoes.price, (Price{2490, "EUR"}));
  EXPECT_EQ(shoes.expertise, "beginner");
  EXPECT_FALSE(c->offers[0].expertise);
  EXPECT_EQ(shoes.terms, "While stocks last.");
  EXPECT_EQ(shoes.valid_until, kNow + 86400);
  EXPECT_TRUE(c->indexed());
  EXPECT_EQ(c->by_category.at("trail running").all, (std::vector<uint32_t>{0, 1}));
  // boots-2 has no level, shoes-1 is for beginners.
  EXPECT_EQ(c->by_category.at("trail running").by_level[0], (std::vector<uint32_t>{0}));
  EXPECT_EQ(c->by_category.at("trail running").by_level[1], (std::vector<uint32_t>{1}));
  EXPECT_EQ(c->by_category.at("hiking").all, (std::vector<uint32_t>{0}));
  EXPECT_FALSE(c->by_category.contains("climbing"));
  EXPECT_EQ(c->Find("shoes-1"), &c->offers[1]);
  EXPECT_EQ(c->Find("nope"), nullptr);
}

TEST(CatalogTest, EmptyOfferListIsAnEmptyCatalog) {
  auto c = Parse(json::object{{"version", "1"}, {"offers", json::array{}}});
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE(c->offers.empty());
}

TEST(CatalogTest, MalformedJsonAndWrongShapesAreRefused) {
  ExpectRefused(ParseCatalog("{\"version\": \"1\", \"offers\": [", Rules()), "malformed-json", "");
  ExpectRefused(ParseCatalog("[]", Rules()), "invalid-type", "");
  ExpectRefused(Parse(json::object{{"offers", json::array{}}}), "missing-field", "/version");
  ExpectRefused(Parse(json::object{{"version", "a b"}, {"offers", json::array{}}}),
                "invalid-version", "/version");
  ExpectRefused(Parse(json::object{{"version", "1"}}), "missing-field", "/offers");
  ExpectRefused(Parse(json::object{{"version", "1"}, {"offers", json::array{1}}}), "invalid-type",
                "/offers/0");
}

TEST(CatalogTest, ARepeatedMemberIsRefusedNamingItsPointer) {
  const std::string text = json::serialize(GoodCatalog());
  ASSERT_EQ(text.front(), '{');
  ExpectRefused(ParseCatalog(R"({"version":"9",)" + text.substr(1), Rules()), "duplicate-member",
                "/version");
}

TEST(CatalogTest, UnknownMembersAreRefusedAtEveryLevel) {
  json::object c = GoodCatalog();
  c["comment"] = "hello";
  ExpectRefused(Parse(c), "unknown-field", "/comment");
  ExpectRefused(ParseWithOffer([](json::object& o) { o["colour"] = "red"; }), "unknown-field",
                "/offers/0/colour");
  ExpectRefused(ParseWithOffer([](json::object& o) { o["price"].as_object()["vat"] = 19; }),
                "unknown-field", "/offers/0/price/vat");
  // A file is not a bundle: the bundle's own members are refused there.
  json::object with_expiry = GoodCatalog();
  with_expiry["expires_at"] = kNow + 10;
  ExpectRefused(Parse(with_expiry), "unknown-field", "/expires_at");
}

TEST(CatalogTest, ForbiddenAttributesAreRefusedAtAnyDepth) {
  // The product-wide list (privacy/forbidden_fields.h), nested deep inside an unknown member.
  ExpectRefused(ParseWithOffer([](json::object& o) {
                  o["x"] = json::object{{"y", json::array{json::object{{"min_age", 18}}}}};
                }),
                "forbidden-field", "/offers/0/x/y/0/min_age");
  for (std::string name : {"gender", "dateOfBirth", "customer_ethnicity", "faceId", "mac_address",
                           "biometrics", "images"}) {
    auto r = ParseWithOffer([&](json::object& o) { o[name] = "x"; });
    ExpectRefused(r, "forbidden-field", "/offers/0/" + name);
    EXPECT_EQ(r.error().code, ErrorCode::kForbiddenField);
  }
  // The catalog's own additions: health, religion, income, postcode...
  for (std::string name : {"religion", "health_condition", "income_band", "postcode", "zipCode"}) {
    ExpectRefused(ParseWithOffer([&](json::object& o) { o[name] = "x"; }), "forbidden-field",
                  "/offers/0/" + name);
  }
  // At the top level too.
  json::object c = GoodCatalog();
  c["sex"] = "f";
  ExpectRefused(Parse(c), "forbidden-field", "/sex");
  // An image smuggled into a text.
  ExpectRefused(ParseWithOffer([](json::object& o) {
                  o["description"] = "data:image/png;base64,iVBORw0KGgo";
                }),
                "image-refused", "/offers/0/description");
}

TEST(CatalogTest, PersonalizedPriceAndTargetingFieldsAreRefusedSayingPricesAreTheSame) {
  for (std::string name : {"price_by_segment", "personal_price", "discount_for", "targeting",
                           "rules", "audience", "eligibility", "loyalty_tier", "vipPrice"}) {
    auto r = ParseWithOffer([&](json::object& o) { o[name] = json::object{{"gold", 1990}}; });
    ExpectRefused(r, "personalized-price", "/offers/0/" + name);
    EXPECT_EQ(r.error().code, ErrorCode::kForbiddenField);
    EXPECT_NE(r.error().message.find("same for every shopper"), std::string::npos)
        << r.error().message;
  }
  // Inside the price object as well.
  ExpectRefused(ParseWithOffer([](json::object& o) {
                  o["price"].as_object()["by_segment"] = json::object{{"gold", 1990}};
                }),
                "personalized-price", "/offers/0/price/by_segment");
  // A price that is anything but one price.
  ExpectRefused(ParseWithOffer([](json::object& o) {
                  o["price"] = json::array{json::object{{"amount_minor", 1}, {"currency", "EUR"}}};
                }),
                "invalid-type", "/offers/0/price");
}

TEST(CatalogTest, IdsMustBeWellFormedAndUnique) {
  for (std::string bad : std::vector<std::string>{"", "a b", "é", std::string(65, 'a'), "x/y"}) {
    ExpectRefused(ParseWithOffer([&](json::object& o) { o["id"] = bad; }), "invalid-id",
                  "/offers/0/id");
  }
  ExpectRefused(ParseWithOffer([](json::object& o) { o["id"] = 7; }), "invalid-id", "/offers/0/id");
  json::object c = GoodCatalog();
  c["offers"].as_array().push_back(GoodOffer("shoes-1"));
  ExpectRefused(Parse(c), "duplicate-id", "/offers/2/id");
}

TEST(CatalogTest, TextsAreBoundedAndPlain) {
  ExpectRefused(ParseWithOffer([](json::object& o) { o.erase("title"); }), "missing-field",
                "/offers/0/title");
  ExpectRefused(ParseWithOffer([](json::object& o) { o["title"] = ""; }), "too-short",
                "/offers/0/title");
  ExpectRefused(ParseWithOffer([](json::object& o) { o["title"] = "   "; }), "too-short",
                "/offers/0/title");
  ExpectRefused(ParseWithOffer([](json::object& o) { o["title"] = std::string(81, 'x'); }),
                "too-long", "/offers/0/title");
  // 80 characters of two bytes each are 80 characters.
  std::string accents;
  for (int i = 0; i < 80; ++i) accents += "é";
  EXPECT_TRUE(ParseWithOffer([&](json::object& o) { o["title"] = accents; }));
  ExpectRefused(ParseWithOffer([](json::object& o) { o["title"] = "two\nlines"; }),
                "control-characters", "/offers/0/title");
  ExpectRefused(ParseWithOffer([](json::object& o) {
                  o["terms"] =
                      "a\x01"
                      "b";
                }),
                "control-characters", "/offers/0/terms");
  ExpectRefused(ParseWithOffer([](json::object& o) { o["description"] = "abc\u202Efed"; }),
                "control-characters", "/offers/0/description");
  ExpectRefused(ParseWithOffer([](json::object& o) { o["description"] = std::string(501, 'x'); }),
                "too-long", "/offers/0/description");
  ExpectRefused(ParseWithOffer([](json::object& o) { o["terms"] = 5; }), "invalid-type",
                "/offers/0/terms");
  // Description and terms may be left out.
  auto c = ParseWithOffer([](json::object& o) {
    o.erase("description");
    o.erase("terms");
  });
  ASSERT_TRUE(c) << c.error().message;
}

TEST(CatalogTest, CategoriesMustComeFromTheStoresInterestList) {
  ExpectRefused(ParseWithOffer([](json::object& o) { o["categories"] = json::array{"golf"}; }),
                "unknown-category", "/offers/0/categories/0");
  ExpectRefused(ParseWithOffer([](json::object& o) {
                  o["categories"] = json::array{"hiking", "Hiking"};
                }),
                "unknown-category", "/offers/0/categories/1");
  ExpectRefused(ParseWithOffer([](json::object& o) { o["categories"] = json::array{}; }),
                "invalid-categories", "/offers/0/categories");
  ExpectRefused(ParseWithOffer([](json::object& o) {
                  o["categories"] =
                      json::array{"hiking", "climbing", "cycling", "trail running", "hiking", "x"};
                }),
                "invalid-categories", "/offers/0/categories");
  ExpectRefused(ParseWithOffer([](json::object& o) {
                  o["categories"] = json::array{"hiking", "hiking"};
                }),
                "duplicate-category", "/offers/0/categories/1");
  ExpectRefused(ParseWithOffer([](json::object& o) { o["categories"] = "hiking"; }),
                "invalid-categories", "/offers/0/categories");
}

TEST(CatalogTest, ExpertiseIsOneOfThreeLevelsOrAbsent) {
  for (std::string bad : {"Beginner", "novice", ""}) {
    ExpectRefused(ParseWithOffer([&](json::object& o) { o["expertise"] = bad; }),
                  "invalid-expertise", "/offers/0/expertise");
  }
  auto c = ParseWithOffer([](json::object& o) { o["expertise"] = nullptr; });
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_FALSE(c->Find("shoes-1")->expertise);
}

TEST(CatalogTest, PricesAreWholeNonNegativeAmountsInAnIsoCurrency) {
  auto price = [](json::value amount, json::value currency) {
    return ParseWithOffer([&](json::object& o) {
      o["price"] = json::object{{"amount_minor", amount}, {"currency", currency}};
    });
  };
  ExpectRefused(price(-1, "EUR"), "negative-price", "/offers/0/price/amount_minor");
  ExpectRefused(price(24.9, "EUR"), "invalid-type", "/offers/0/price/amount_minor");
  ExpectRefused(price("2490", "EUR"), "invalid-type", "/offers/0/price/amount_minor");
  for (std::string bad : {"eur", "EURO", "EU", "E1R", ""}) {
    ExpectRefused(price(2490, json::string(bad)), "invalid-currency", "/offers/0/price/currency");
  }
  ExpectRefused(ParseWithOffer([](json::object& o) { o.erase("price"); }), "missing-field",
                "/offers/0/price");
  auto free = price(0, "GBP");
  ASSERT_TRUE(free) << free.error().message;
  EXPECT_EQ(free->Find("shoes-1")->price, (Price{0, "GBP"}));
}

TEST(CatalogTest, ValidityWindowMustBeOrdered) {
  ExpectRefused(ParseWithOffer([](json::object& o) { o["valid_until"] = kNow - 3600; }),
                "invalid-window", "/offers/0/valid_until");
  ExpectRefused(ParseWithOffer([](json::object& o) { o["valid_until"] = kNow - 7200; }),
                "invalid-window", "/offers/0/valid_until");
  ExpectRefused(ParseWithOffer([](json::object& o) { o["valid_from"] = -5; }), "invalid-window",
                "/offers/0/valid_from");
  ExpectRefused(ParseWithOffer([](json::object& o) { o.erase("valid_from"); }), "missing-field",
                "/offers/0/valid_from");
}

TEST(CatalogTest, MoreOffersThanTheStoreAcceptsIsRefused) {
  json::object c = GoodCatalog();
  CatalogRules rules = Rules();
  rules.max_offers = 2;
  EXPECT_TRUE(ParseCatalog(json::serialize(c), rules));
  c["offers"].as_array().push_back(GoodOffer("third"));
  auto r = ParseCatalog(json::serialize(c), rules);
  ExpectRefused(r, "too-many-offers", "/offers");
}

TEST(CatalogTest, OneBadOfferAmongManyRefusesTheWholeCatalogNamingIt) {
  json::object c = GoodCatalog();
  for (int i = 0; i < 20; ++i) c["offers"].as_array().push_back(GoodOffer("o" + std::to_string(i)));
  c["offers"].as_array()[12].as_object()["price"].as_object()["currency"] = "eur";
  ExpectRefused(Parse(c), "invalid-currency", "/offers/12/price/currency");
}

// --- HQ-signed bundles ---------------------------------------------------------------------

class CatalogBundleTest : public ::testing::Test {
 protected:
  CatalogBundleTest()
      : random_(7),
        hq_(ValueOrDie(platform::EcdsaPrivateKey::Generate(random_), "hq key")),
        other_(ValueOrDie(platform::EcdsaPrivateKey::Generate(random_), "other key")) {}

  json::object Payload() {
    json::object p = GoodCatalog();
    p["expires_at"] = kNow + 86400;
    p["store_id"] = "store-0042";
    p["issued_at"] = kNow;
    return p;
  }
  std::string Sign(const json::object& payload, std::string_view typ = kCatalogBundleType,
                   const platform::EcdsaPrivateKey* key = nullptr) {
    return ValueOrDie(privacy::SignJws(key ? *key : hq_, random_, "hq-1", typ, payload), "sign");
  }
  Result<Catalog> Verify(std::string_view jws, std::string_view store = "store-0042") {
    return VerifyCatalogBundle(jws, hq_.PublicKey(), Rules(), kNow, store);
  }

  platform::SeededRandom random_;
  platform::EcdsaPrivateKey hq_;
  platform::EcdsaPrivateKey other_;
};

TEST_F(CatalogBundleTest, SignedBundleIsVerifiedAndParsed) {
  auto c = Verify(Sign(Payload()) + "\n");  // a trailing newline, as in a file, is fine
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->source, "hq-bundle");
  EXPECT_EQ(c->version, "2026-11-23.1");
  EXPECT_EQ(c->store_id, "store-0042");
  EXPECT_EQ(c->expires_at, kNow + 86400);
  EXPECT_EQ(c->offers.size(), 2u);
  EXPECT_TRUE(c->indexed());
  // Without a store id in the bundle it is for any store.
  json::object p = Payload();
  p.erase("store_id");
  EXPECT_TRUE(Verify(Sign(p)));
}

TEST_F(CatalogBundleTest, ForgedBundleIsRefused) {
  auto r = VerifyCatalogBundle(Sign(Payload(), kCatalogBundleType, &other_), hq_.PublicKey(),
                               Rules(), kNow);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, "bundle-signature");
  EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
  // A genuine signature over a changed payload (a lower price) does not verify either.
  std::string good = Sign(Payload());
  json::object cheaper = Payload();
  cheaper["offers"].as_array()[0].as_object()["price"].as_object()["amount_minor"] = 1;
  std::string tampered = Sign(cheaper);
  std::string spliced = tampered.substr(0, tampered.rfind('.')) + good.substr(good.rfind('.'));
  EXPECT_EQ(Verify(spliced).error().reason, "bundle-signature");
}

TEST_F(CatalogBundleTest, ExpiredBundleIsRefused) {
  json::object p = Payload();
  p["expires_at"] = kNow;
  auto r = Verify(Sign(p));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, "bundle-expired");
  p["expires_at"] = kNow - 1;
  EXPECT_EQ(Verify(Sign(p)).error().reason, "bundle-expired");
  p.erase("expires_at");
  EXPECT_EQ(Verify(Sign(p)).error().reason, "missing-field");
}

TEST_F(CatalogBundleTest, AnAppTokenSignedByTheSameKeyIsNotACatalog) {
  json::object claims{{"iss", "dev-hq"}, {"sub", "loyalty-1"}, {"aud", "store-0042"},
                      {"iat", kNow},     {"exp", kNow + 600},  {"jti", "j1"}};
  auto r = Verify(Sign(claims, "JWT"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, "bundle-type");
  // Even a catalog payload signed with another type is refused: the type is what tells them apart.
  EXPECT_EQ(Verify(Sign(Payload(), "JWT")).error().reason, "bundle-type");
  EXPECT_EQ(Verify(Sign(Payload(), "consent-receipt+jws")).error().reason, "bundle-type");
}

TEST_F(CatalogBundleTest, OtherAlgorithmsAndMalformedBundlesAreRefused) {
  auto b64 = [](std::string_view s) { return platform::Base64UrlEncode(s); };
  std::string payload = b64(json::serialize(Payload()));
  EXPECT_EQ(Verify(b64(R"({"alg":"none","typ":"optin-catalog+jws"})") + "." + payload + ".")
                .error()
                .reason,
            "bundle-algorithm");
  EXPECT_EQ(
      Verify(b64(R"({"alg":"HS256","typ":"optin-catalog+jws"})") + "." + payload + "." + b64("mac"))
          .error()
          .reason,
      "bundle-algorithm");
  for (std::string bad : {"", "not a jws", "a.b", "a.b.c.d", "!!!.###.$$$"}) {
    auto r = Verify(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().reason, "bundle-malformed") << bad;
  }
}

TEST_F(CatalogBundleTest, BundleForAnotherStoreIsRefused) {
  EXPECT_EQ(Verify(Sign(Payload()), "store-0043").error().reason, "bundle-store");
}

TEST_F(CatalogBundleTest, SignedContentIsValidatedLikeAFile) {
  json::object p = Payload();
  p["offers"].as_array()[1].as_object()["price_by_segment"] = json::object{{"gold", 1}};
  ExpectRefused(Verify(Sign(p)), "personalized-price", "/offers/1/price_by_segment");
  p = Payload();
  p["offers"].as_array()[0].as_object()["categories"] = json::array{"golf"};
  ExpectRefused(Verify(Sign(p)), "unknown-category", "/offers/0/categories/0");
  p = Payload();
  p["audience"] = json::object{{"gender", "f"}};
  ExpectRefused(Verify(Sign(p)), "forbidden-field", "/audience/gender");
}

TEST_F(CatalogBundleTest, LargeCatalogsFitInABundle) {
  json::object p = Payload();
  json::array offers;
  for (int i = 0; i < 2000; ++i) offers.push_back(GoodOffer("offer-" + std::to_string(i)));
  p["offers"] = std::move(offers);
  std::string jws = Sign(p);
  ASSERT_GT(jws.size(), privacy::kMaxCompactJwsBytes);
  auto c = Verify(jws);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->offers.size(), 2000u);
}

}  // namespace
}  // namespace optin::offers::catalog_test
