// The store's offer catalog: parsed from a JSON file in the config directory, or from a bundle
// signed by HQ (compact JWS, ES256, typ "optin-catalog+jws"), and validated whole: one fault
// anywhere refuses the entire catalog, with a message naming the JSON pointer at fault. The
// loader is a guardrail (PRODUCT.md lines 2 and 3): it refuses member names that reference
// forbidden attributes (demographics, biometrics, health, religion, income, postcode...) at any
// depth, and any field that would vary price or terms by shopper, segment, tier or audience.
// Pure functions; a Catalog is immutable once built and may be read from any thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "offers/offer.h"
#include "platform/crypto.h"
#include "platform/error.h"

namespace optin::offers {

struct CatalogRules {
  std::vector<std::string> categories;  // the store's interest list ([store] interests)
  size_t max_offers = 20000;
  // The store's languages ([store] languages), the first its default. A shown text (title,
  // description, terms) is one string, in the default language, or an object giving it in every
  // one of these languages ({"en": "...", "it": "..."}); other language tags are allowed and
  // ignored.
  std::vector<std::string> languages = {"en"};
};

// The JWS "typ" of a catalog bundle. App tokens ("JWT") and receipts have other types, so a
// token can never pass as a catalog, nor a catalog as a token.
inline constexpr std::string_view kCatalogBundleType = "optin-catalog+jws";
// The largest catalog file and the largest bundle accepted.
inline constexpr size_t kMaxCatalogBytes = 16 << 20;
inline constexpr size_t kMaxCatalogBundleBytes = 24 << 20;

struct Catalog {
  std::string version;                // "2026-11-23.1"; empty for the empty catalog
  std::string source;                 // "file", "hq-bundle", or empty for the empty catalog
  std::string store_id;               // bundles: the store it was signed for, when given
  std::optional<int64_t> expires_at;  // bundles: no offer is selected at or after this time
  std::optional<int64_t> issued_at;   // bundles: when HQ signed it (rollback protection)
  std::vector<Offer> offers;          // sorted by id

  // Indices into `offers` per category, ascending (hence in id order): all of them, and split
  // by expertise slot (0: no level, 1: beginner, 2: intermediate, 3: expert) so that selection
  // can walk the best-matching offers first. Built by ParseCatalog, VerifyCatalogBundle and
  // CatalogHolder::Replace, or by Reindex().
  struct CategoryOffers {
    std::vector<uint32_t> all;
    std::array<std::vector<uint32_t>, 4> by_level;
  };
  std::map<std::string, CategoryOffers, std::less<>> by_category;
  std::map<std::string, uint32_t, std::less<>> by_id;
  size_t indexed_offers = 0;  // offers.size() when the index is current

  // Sorts `offers` by id and rebuilds the indexes. Call after changing `offers` by hand.
  void Reindex();
  bool indexed() const { return indexed_offers == offers.size(); }
  const Offer* Find(std::string_view id) const;
  // The by_level slot of an offer's expertise.
  static size_t ExpertiseSlot(const std::optional<std::string>& expertise);
};

// Parses and validates a catalog file:
//   {"version": "2026-11-23.1", "offers": [{"id", "title", "description", "categories",
//    "expertise", "price": {"amount_minor", "currency"}, "terms", "valid_from", "valid_until"}]}
// title, description and terms: a string, or an object keyed by language tag that has every
// one of rules.languages ("missing-language" at /offers/N/title/it when one lacks).
// Errors: kForbiddenField ("forbidden-field", "image-refused", "personalized-price") or
// kInvalidArgument (a reason per fault, e.g. "unknown-category", "duplicate-id"), with `field`
// the JSON pointer ("/offers/12/price/currency") and the message starting with it.
Result<Catalog> ParseCatalog(std::string_view json, const CatalogRules& rules);

// Verifies an HQ-signed catalog bundle and parses its payload: the catalog above plus
// "expires_at" (unix seconds, required: refused at or after it) and optionally "store_id" (must
// equal `store_id` when both are given) and "issued_at". Refused with kUnauthenticated:
// malformed ("bundle-malformed"), another algorithm than ES256 ("bundle-algorithm"), a typ other
// than kCatalogBundleType ("bundle-type"), a signature that does not verify ("bundle-signature"),
// expired ("bundle-expired"), another store's ("bundle-store"); its content as ParseCatalog.
Result<Catalog> VerifyCatalogBundle(std::string_view compact_jws,
                                    const platform::EcdsaPublicKey& hq_key,
                                    const CatalogRules& rules, int64_t now,
                                    std::string_view store_id = {});

}  // namespace optin::offers
