#include "offers/offer_desk.h"

namespace optin::offers {

Result<ShownOffers> OfferDesk::Show(store::Connection& conn, const visits::ShopperRef& who) const {
  OPTIN_ASSIGN_OR_RETURN(visits::Shopper s, visits::FindShopper(conn, who, visits_));
  if (!s.visit) {
    return Fail(ErrorCode::kNotFound,
                "You have no visit in progress: check in at the entrance to see offers.", {},
                "no-active-visit");
  }
  return personalizer_.Show(conn, s.subject_id, s.visit->id);
}

}  // namespace optin::offers
