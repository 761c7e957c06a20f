// One offer of the store's published catalog, as HQ or the store wrote it. The same value is
// shown to every shopper: nothing per shopper can change its price or terms (PRODUCT.md line 3);
// selection only chooses and orders offers by pointing into the catalog.
// Plain value type; immutable once in a Catalog, so safe to read from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace optin::offers {

struct Price {
  int64_t amount_minor = 0;  // in the currency's minor unit: 2490 = 24.90
  std::string currency;      // ISO 4217, three capital letters ("EUR")
  bool operator==(const Price&) const = default;
};

// An offer's shown words in one language.
struct OfferWords {
  std::string title;
  std::string description;
  std::string terms;
  bool operator==(const OfferWords&) const = default;
};

struct Offer {
  std::string id;                        // [A-Za-z0-9._-]{1,64}, unique in a catalog
  std::string title;                     // 1..80 characters, no control characters
  std::string description;               // 0..500 characters
  std::vector<std::string> categories;   // 1..5, each from the store's interest list
  std::optional<std::string> expertise;  // beginner | intermediate | expert, where it matters
  Price price;                           // the same for every shopper
  std::string terms;                     // 0..500 characters
  int64_t valid_from = 0;                // unix seconds; shown from this time...
  int64_t valid_until = 0;               // ...until before this one (valid_from < valid_until)

  // The words in each store language, by language tag, when the catalog gave any of title,
  // description or terms per language (a field given as one string has that string in every
  // language). Empty when every field is one string. title, description and terms above are
  // the store's default language's.
  std::map<std::string, OfferWords, std::less<>> words;

  // The words for `language`: its own when the catalog gave them, else the default language's.
  OfferWords In(std::string_view language) const {
    if (auto it = words.find(language); it != words.end()) return it->second;
    return OfferWords{title, description, terms};
  }
  bool ValidAt(int64_t now) const { return valid_from <= now && now < valid_until; }
  bool operator==(const Offer&) const = default;
};

}  // namespace optin::offers
