// Personalized offers for one shopper in one visit, put together from what the shopper chose to
// share: the catalog in force, their declared interests, the offers already shown this visit
// (frequency cap) and, only while `history` is in force, the categories of earlier visits. Asks
// the consent ledger first: nothing is selected, read or recorded without `offers`. Records
// what was shown (OfferViews) and tells the view hooks (HQ aggregates) in the same transaction.
// Immutable after start-up (add hooks before serving); Show() runs inside a database write job;
// thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "consent/consent_ledger.h"
#include "offers/catalog_holder.h"
#include "offers/declared_interests.h"
#include "offers/offer_selector.h"
#include "offers/offer_views.h"
#include "platform/clock.h"
#include "store/connection.h"

namespace optin::offers {

// What one request for offers showed.
struct ShownOffers {
  std::shared_ptr<const Catalog> catalog;  // keeps the picks' offers alive
  std::vector<Pick> picks;
  bool has_signals = false;  // false: no interests and no history, so nothing to go on
};

class Personalizer {
 public:
  // Runs inside the transaction that records a shown offer (once per pick).
  using ViewHook = std::function<Status(store::Connection&, std::string_view subject_id,
                                        std::string_view category)>;

  Personalizer(const platform::Clock& clock, const consent::ConsentLedger& ledger,
               const DeclaredInterests& interests, const OfferViews& views,
               const CatalogHolder& catalog, SelectionPolicy policy);

  void AddViewHook(ViewHook hook) { view_hooks_.push_back(std::move(hook)); }

  // kPermissionDenied (reason "consent-required", field "/purposes/offers") without `offers`.
  Result<ShownOffers> Show(store::Connection& conn, std::string_view subject_id,
                           std::string_view visit_id) const;

  const CatalogHolder& catalog() const { return catalog_; }
  const OfferViews& views() const { return views_; }

 private:
  const platform::Clock& clock_;
  const consent::ConsentLedger& ledger_;
  const DeclaredInterests& interests_;
  const OfferViews& views_;
  const CatalogHolder& catalog_;
  SelectionPolicy policy_;
  std::vector<ViewHook> view_hooks_;
};

}  // namespace optin::offers
