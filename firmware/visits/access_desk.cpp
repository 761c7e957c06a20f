#include "visits/access_desk.h"

#include <utility>

namespace optin::visits {

Result<ShopperData> AccessDesk::Gather(store::Connection& conn, const ShopperRef& who) const {
  OPTIN_ASSIGN_OR_RETURN(Shopper s, FindShopper(conn, who, visits_));
  ShopperData data;
  OPTIN_ASSIGN_OR_RETURN(data.exported, rights_.Export(conn, s.subject_id));
  OPTIN_ASSIGN_OR_RETURN(data.purposes, ledger_.Statuses(conn, s.subject_id));
  data.current_visit = std::move(s.visit);
  data.policy_version = ledger_.policy().policy_version;
  return data;
}

Result<std::vector<consent::ConsentReceipt>> AccessDesk::Receipts(store::Connection& conn,
                                                                  const ShopperRef& who) const {
  OPTIN_ASSIGN_OR_RETURN(Shopper s, FindShopper(conn, who, visits_));
  return ledger_.Receipts(conn, s.subject_id);
}

}  // namespace optin::visits
