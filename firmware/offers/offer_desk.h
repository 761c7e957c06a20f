// The shopper's offers use case (GET /v1/offers): the shopper found by app token subject or
// visit token (visits::FindShopper), and the offers picked for them in their visit in progress,
// recorded as shown (Personalizer::Show). Offers are per visit: none without one.
// Immutable; thread-safe (Show runs inside a write job on the job's connection).
#pragma once

#include "offers/personalizer.h"
#include "platform/error.h"
#include "store/connection.h"
#include "visits/shopper.h"
#include "visits/visit_service.h"

namespace optin::offers {

class OfferDesk {
 public:
  OfferDesk(const visits::VisitService& visits, const Personalizer& personalizer)
      : visits_(visits), personalizer_(personalizer) {}

  // Refusals: FindShopper's; kNotFound ("no-active-visit") without a visit in progress;
  // Personalizer::Show's (kPermissionDenied "consent-required" without `offers`). Nothing is
  // recorded on a refusal.
  Result<ShownOffers> Show(store::Connection& conn, const visits::ShopperRef& who) const;

 private:
  const visits::VisitService& visits_;
  const Personalizer& personalizer_;
};

}  // namespace optin::offers
