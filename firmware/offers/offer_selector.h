// Chooses which catalog offers a shopper sees, and says why in words (issue 7, part 2). Pure
// CPU over an indexed Catalog; no database, no clock (the caller passes `now`).
// Guardrail (PRODUCT.md line 3): a Pick points into the catalog, so price and terms are those of
// the catalog's offer, identical for every shopper; nothing in ShopperSignals can change them.
// Signals are only what the shopper chose to share: declared interests (under `offers`) and,
// only when the caller has `history` in force, categories from earlier visits.
// Stateless functions; thread-safe for concurrent calls over the same const Catalog.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "offers/catalog.h"
#include "offers/declared_interests.h"
#include "offers/offer.h"

namespace optin::offers {

struct ShopperSignals {
  std::vector<Interest> interests;  // declared
  // Categories from past visits, most frequent first; EMPTY unless `history` is in force
  // (the caller's job).
  std::vector<std::string> history_categories;
  std::map<std::string, int> shown_this_visit;  // offer id -> times already shown this visit
};

struct SelectionPolicy {
  size_t max_results = 6;
  size_t max_per_category = 2;  // diversity: picks per category (the Pick's category)
  int frequency_cap = 3;        // an offer shown this many times in the visit is not shown again
};

struct Pick {
  const Offer* offer = nullptr;  // into the catalog passed to SelectOffers (keep it alive)
  std::string reason;            // "Because you told us you are into trail running (beginner)."
  std::string category;          // the interest or history category it was chosen for
  double score = 0;
};

// What a Pick's reason says, in parts, so that it can be said in another language: whether the
// shopper declared the interest (else it came from earlier visits), the interest, and the
// level named with it. Nothing for a text SelectOffers did not write.
struct ReasonParts {
  bool declared = false;
  std::string interest;
  std::optional<std::string> level;
  bool operator==(const ReasonParts&) const = default;
};
std::optional<ReasonParts> ParseReason(std::string_view reason);

// Only offers valid at `now` (and none once a bundle catalog has expired); ranked by declared
// interests (a matching expertise first), then by history; at most max_per_category picks per
// category; offers shown frequency_cap times this visit are skipped. Each Pick has a reason in
// plain words naming the interest or category it matched. With no interests and no history it
// returns nothing (no personalization without signals). Deterministic: equal scores are ordered
// by offer id.
std::vector<Pick> SelectOffers(const Catalog& catalog, const ShopperSignals& signals,
                               const SelectionPolicy& policy, int64_t now);

}  // namespace optin::offers
