// The shopper's consent change use case: one purpose granted or withdrawn, by plain values (who,
// the change, the notice's language), in one durable write with a signed receipt. The shopper
// is found by app token subject or visit token (FindShopper); history cannot be granted on an
// anonymous web visit. The HTTP route (PUT /v1/me/consents/{purpose}) only translates.
// Immutable; thread-safe (Change from any thread).
#pragma once

#include <functional>
#include <string>

#include "consent/consent_ledger.h"
#include "platform/error.h"
#include "store/database.h"
#include "visits/shopper.h"
#include "visits/visit_service.h"

namespace optin::visits {

class ConsentDesk {
 public:
  ConsentDesk(store::Database& db, const VisitService& visits, const consent::ConsentLedger& ledger)
      : db_(db), visits_(visits), ledger_(ledger) {}

  // Records `change` for the shopper `who` under `language` (empty: the store's default) and
  // returns the new receipt. Refusals: FindShopper's, kFailedPrecondition "purpose-needs-app"
  // (field /granted) for history on an anonymous web visit; nothing is written then. `done`
  // runs once on the database writer's thread after the commit (or the refusal).
  void Change(ShopperRef who, consent::ConsentChange change, std::string language,
              std::function<void(Result<consent::ConsentReceipt>)> done) const;

  // The same, inside a caller's transaction (the write job's body).
  Result<consent::ConsentReceipt> ChangeIn(store::Connection& conn, const ShopperRef& who,
                                           consent::ConsentChange change,
                                           const std::string& language) const;

 private:
  store::Database& db_;
  const VisitService& visits_;
  const consent::ConsentLedger& ledger_;
};

}  // namespace optin::visits
