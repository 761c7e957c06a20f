#include "offers/interests_desk.h"

namespace optin::offers {

Result<std::vector<Interest>> InterestsDesk::Replace(store::Connection& conn,
                                                     const visits::ShopperRef& who,
                                                     const std::vector<Interest>& interests) const {
  OPTIN_ASSIGN_OR_RETURN(visits::Shopper s, visits::FindShopper(conn, who, visits_));
  OPTIN_TRY(interests_.Replace(conn, s.subject_id, interests));
  return interests_.List(conn, s.subject_id);
}

}  // namespace optin::offers
