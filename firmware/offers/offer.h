// One offer of the store's published catalog, as HQ or the store wrote it. The same value is
// shown to every shopper: nothing per shopper can change its price or terms (PRODUCT.md line 3);
// selection only chooses and orders offers by pointing into the catalog.
// Plain value type; immutable once in a Catalog, so safe to read from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace optin::offers {

struct Price {
  int64_t amount_minor = 0;  // in the currency's minor unit: 2490 = 24.90
  std::string currency;      // ISO 4217, three capital letters ("EUR")
  bool operator==(const Price&) const = default;
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

  bool ValidAt(int64_t now) const { return valid_from <= now && now < valid_until; }
  bool operator==(const Offer&) const = default;
};

}  // namespace optin::offers
