#include "offers/personalizer.h"

namespace optin::offers {

Personalizer::Personalizer(const platform::Clock& clock, const consent::ConsentLedger& ledger,
                           const DeclaredInterests& interests, const OfferViews& views,
                           const CatalogHolder& catalog, SelectionPolicy policy)
    : clock_(clock),
      ledger_(ledger),
      interests_(interests),
      views_(views),
      catalog_(catalog),
      policy_(policy) {}

Result<ShownOffers> Personalizer::Show(store::Connection& conn, std::string_view subject_id,
                                       std::string_view visit_id) const {
  OPTIN_ASSIGN_OR_RETURN(bool offers_allowed,
                         ledger_.MayProcess(conn, subject_id, consent::Purpose::kOffers));
  if (!offers_allowed) {
    return Fail(ErrorCode::kPermissionDenied,
                "Offers are off. Turn on 'offers' to see offers picked for what you told us.",
                "/purposes/offers", "consent-required");
  }
  const int64_t now = clock_.NowUnix();
  ShownOffers out;
  out.catalog = catalog_.Current();

  ShopperSignals signals;
  OPTIN_ASSIGN_OR_RETURN(signals.interests, interests_.List(conn, subject_id));
  OPTIN_ASSIGN_OR_RETURN(bool history_allowed,
                         ledger_.MayProcess(conn, subject_id, consent::Purpose::kHistory));
  if (history_allowed) {
    OPTIN_ASSIGN_OR_RETURN(signals.history_categories,
                           views_.HistoryCategories(conn, subject_id, visit_id));
  }
  out.has_signals = !signals.interests.empty() || !signals.history_categories.empty();
  if (!out.has_signals) return out;
  OPTIN_ASSIGN_OR_RETURN(signals.shown_this_visit, views_.ShownThisVisit(conn, visit_id));

  out.picks = SelectOffers(*out.catalog, signals, policy_, now);
  if (out.picks.empty()) return out;
  OPTIN_TRY(views_.Record(conn, subject_id, visit_id, out.picks, now));
  for (const Pick& pick : out.picks) {
    for (const auto& hook : view_hooks_) OPTIN_TRY(hook(conn, subject_id, pick.category));
  }
  return out;
}

}  // namespace optin::offers
