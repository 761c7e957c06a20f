// The shopper's interests use case (PUT /v1/me/interests), by plain values: the shopper found
// by app token subject or visit token (visits::FindShopper), their declared interests replaced
// (DeclaredInterests::Replace: the store's list, and only while `offers` or `history` is in
// force) and the list as stored returned. The HTTP route parses and renders.
// Immutable; thread-safe (Replace runs inside a write job on the job's connection).
#pragma once

#include <vector>

#include "offers/declared_interests.h"
#include "platform/error.h"
#include "store/connection.h"
#include "visits/shopper.h"
#include "visits/visit_service.h"

namespace optin::offers {

class InterestsDesk {
 public:
  InterestsDesk(const visits::VisitService& visits, const DeclaredInterests& interests)
      : visits_(visits), interests_(interests) {}

  // Replaces the interests of the shopper `who` and returns them as stored (by topic).
  // Refusals: FindShopper's; DeclaredInterests::Replace's (kInvalidArgument for a topic not in
  // the store's list, kPermissionDenied "consent-required" without `offers` or `history`).
  // Nothing is written on a refusal.
  Result<std::vector<Interest>> Replace(store::Connection& conn, const visits::ShopperRef& who,
                                        const std::vector<Interest>& interests) const;

 private:
  const visits::VisitService& visits_;
  const DeclaredInterests& interests_;
};

}  // namespace optin::offers
