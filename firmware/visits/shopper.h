// Who a shopper's call is from, as plain values, and finding them inside a database job: the
// subject of a verified app token (already pseudonymized) or a visit token handed out at
// check-in, and the shopper's active visit if any; and the end-of-visit use case (POST
// /v1/checkins/current/end) over the same lookup. Value types and stateless functions;
// thread-safe.
#pragma once

#include <optional>
#include <string>

#include "platform/error.h"
#include "store/connection.h"
#include "visits/visit_service.h"

namespace optin::visits {

struct ShopperRef {
  std::optional<std::string> subject_id;   // from a verified app token
  std::optional<std::string> visit_token;  // to be looked up
};

struct Shopper {
  std::string subject_id;
  std::optional<Visit> visit;  // the active visit, if any
};

// kUnauthenticated ("visit-token-invalid") for a visit token of no active visit.
Result<Shopper> FindShopper(store::Connection& conn, const ShopperRef& who,
                            const VisitService& visits);

// Ends the shopper's visit in progress (inside the caller's write job, with the visit's end
// hooks) and returns it as ended, ended_at now. Refusals: FindShopper's; kNotFound
// ("no-active-visit") when no visit is in progress, and nothing is written then.
Result<Visit> EndCurrentVisit(store::Connection& conn, const ShopperRef& who,
                              const VisitService& visits);

}  // namespace optin::visits
