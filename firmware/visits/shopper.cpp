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

Result<Visit> EndCurrentVisit(store::Connection& conn, const ShopperRef& who,
                              const VisitService& visits) {
  OPTIN_ASSIGN_OR_RETURN(Shopper s, FindShopper(conn, who, visits));
  if (!s.visit) {
    return Fail(ErrorCode::kNotFound, "You have no visit in progress.", {}, "no-active-visit");
  }
  OPTIN_TRY(visits.End(conn, *s.visit));
  Visit ended = std::move(*s.visit);
  ended.ended_at = visits.clock().NowUnix();
  return ended;
}

}  // namespace optin::visits
