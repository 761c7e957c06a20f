#include "visits/consent_desk.h"

#include <span>
#include <utility>

namespace optin::visits {

Result<consent::ConsentReceipt> ConsentDesk::ChangeIn(store::Connection& conn,
                                                      const ShopperRef& who,
                                                      consent::ConsentChange change,
                                                      const std::string& language) const {
  OPTIN_ASSIGN_OR_RETURN(Shopper s, FindShopper(conn, who, visits_));
  if (s.visit) {
    OPTIN_TRY(VisitService::CheckDecisionsForChannel(s.visit->channel, {change}, "/granted"));
  }
  return ledger_.Apply(conn, s.subject_id, std::span(&change, 1), "shopper request", language);
}

void ConsentDesk::Change(ShopperRef who, consent::ConsentChange change, std::string language,
                         std::function<void(Result<consent::ConsentReceipt>)> done) const {
  db_.Write<consent::ConsentReceipt>(
      [this, who = std::move(who), change, language = std::move(language)](
          store::Connection& conn) { return ChangeIn(conn, who, change, language); },
      std::move(done));
}

}  // namespace optin::visits
