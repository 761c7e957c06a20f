// Fuzzes the offer catalog loader (offers/catalog.h). The first byte picks what the rest is:
//  0: a catalog file for ParseCatalog;
//  1: the payload of an HQ bundle with a valid header, signed with the HQ key the verifier
//     trusts, for VerifyCatalogBundle (so that its payload checks run on arbitrary payloads);
//  2: a compact bundle as it arrives, for VerifyCatalogBundle.
// Besides "no crash, no leak, no undefined behaviour", an accepted catalog must keep what the
// header promises: offers sorted by unique id and indexed, each offer within its limits, with
// one to five categories from the store's list and a validity window that is not empty.
#include <boost/json/parse.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "offers/catalog.h"
#include "platform/crypto.h"
#include "platform/encoding.h"
#include "platform/random.h"

namespace {

using optin::platform::Base64UrlEncode;

constexpr int64_t kNow = 1'790'000'000;
constexpr std::string_view kStore = "store-fuzz-1";
constexpr std::string_view kHeader = R"({"alg":"ES256","typ":"optin-catalog+jws"})";

[[noreturn]] void Broken(const char* what) {
  std::fprintf(stderr, "property violated: %s\n", what);
  std::abort();
}

struct World {
  optin::platform::SeededRandom random{7};
  std::unique_ptr<optin::platform::EcdsaPrivateKey> hq_key;
  std::unique_ptr<optin::platform::EcdsaPublicKey> hq_public;
  optin::offers::CatalogRules rules;

  World() {
    auto key = optin::platform::EcdsaPrivateKey::Generate(random);
    if (!key) Broken("cannot generate the HQ key");
    hq_key = std::make_unique<optin::platform::EcdsaPrivateKey>(std::move(*key));
    hq_public = std::make_unique<optin::platform::EcdsaPublicKey>(hq_key->PublicKey());
    // config/optin-edge.toml's default interests, so that config/offers.example.json is a seed.
    rules.categories = {"running",  "trail running", "hiking", "cycling", "swimming", "yoga",
                        "climbing", "camping",       "skiing", "tennis",  "football", "fitness"};
    rules.max_offers = 64;
  }
};

World& TheWorld() {
  static World* world = new World;
  return *world;
}

void CheckAccepted(const optin::offers::Catalog& c, const World& w) {
  if (!c.indexed()) Broken("an accepted catalog is not indexed");
  if (c.offers.size() > w.rules.max_offers) Broken("more offers than max_offers");
  for (size_t i = 0; i < c.offers.size(); ++i) {
    const auto& o = c.offers[i];
    if (i > 0 && !(c.offers[i - 1].id < o.id)) Broken("offers not sorted by unique id");
    if (o.id.empty() || o.id.size() > 64 || o.title.empty()) Broken("an offer without id or title");
    if (o.categories.empty() || o.categories.size() > 5) Broken("an offer with 0 or >5 categories");
    for (const auto& category : o.categories) {
      bool known = false;
      for (const auto& k : w.rules.categories) known = known || k == category;
      if (!known) Broken("an offer with a category outside the store's list");
    }
    if (!(o.valid_from < o.valid_until)) Broken("an offer with an empty validity window");
    if (c.Find(o.id) != &o) Broken("Find does not find an offer by its id");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  World& w = TheWorld();
  const uint8_t mode = data[0] % 3;
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);

  if (mode == 0) {
    auto catalog = optin::offers::ParseCatalog(rest, w.rules);
    if (catalog) CheckAccepted(*catalog, w);
    return 0;
  }
  std::string bundle;
  if (mode == 1) {
    // Signing is the slow part: sign only payloads that could get past the JSON parse.
    boost::system::error_code ec;
    auto v = boost::json::parse(rest, ec);
    std::string input = Base64UrlEncode(kHeader) + "." + Base64UrlEncode(rest);
    if (!ec && v.is_object()) {
      auto sig = w.hq_key->Sign(input, w.random);
      if (!sig) Broken("cannot sign");
      bundle = input + "." + Base64UrlEncode(*sig);
    } else {
      bundle = input + ".AA";
    }
  } else {
    bundle = std::string(rest);
  }
  auto catalog = optin::offers::VerifyCatalogBundle(bundle, *w.hq_public, w.rules, kNow, kStore);
  if (catalog) {
    CheckAccepted(*catalog, w);
    if (catalog->expires_at && *catalog->expires_at <= kNow)
      Broken("an expired bundle was accepted");
    if (!catalog->store_id.empty() && catalog->store_id != kStore) Broken("another store's bundle");
  }
  return 0;
}
