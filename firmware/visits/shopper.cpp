#include "visits/shopper.h"

#include <utility>

namespace optin::visits {

Result<Shopper> FindShopper(store::Connection& conn, const ShopperRef& who,
                            const VisitService& visits) {
  Shopper shopper;
  if (who.visit_token) {
    OPTIN_ASSIGN_OR_RETURN(Visit visit, visits.FindByToken(conn, *who.visit_token));
    shopper.subject_id = visit.subject_id;
    shopper.visit = std::move(visit);
    return shopper;
  }
  shopper.subject_id = who.subject_id.value_or(std::string());
  OPTIN_ASSIGN_OR_RETURN(shopper.visit, visits.ActiveForSubject(conn, shopper.subject_id));
  return shopper;
}

}  // namespace optin::visits
