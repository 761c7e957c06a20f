// The shopper's access use cases (GET /v1/me and GET /v1/me/receipts), by plain values: the
// shopper found by app token subject or visit token (FindShopper), then what the device holds on
// them (the data-rights export document, the visit in progress, the state of every purpose and
// the consent policy in force) or the consent receipts issued to them. Reads only; the HTTP
// routes render. Immutable; thread-safe (each call runs inside a read job on its connection).
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <vector>

#include "consent/consent_ledger.h"
#include "platform/error.h"
#include "privacy/data_rights.h"
#include "store/connection.h"
#include "visits/shopper.h"
#include "visits/visit_service.h"

namespace optin::visits {

// What GET /v1/me answers, before rendering.
struct ShopperData {
  boost::json::object exported;                  // privacy::DataRights::Export's document
  std::optional<Visit> current_visit;            // the visit in progress, if any
  std::vector<consent::PurposeStatus> purposes;  // every purpose, in Purpose order
  std::string policy_version;                    // of the consent policy in force
};

class AccessDesk {
 public:
  AccessDesk(const VisitService& visits, const consent::ConsentLedger& ledger,
             const privacy::DataRights& rights)
      : visits_(visits), ledger_(ledger), rights_(rights) {}

  // Everything held on the shopper `who`. Refusals: FindShopper's.
  Result<ShopperData> Gather(store::Connection& conn, const ShopperRef& who) const;

  // The consent receipts issued to the shopper `who`, oldest first. Refusals: FindShopper's.
  Result<std::vector<consent::ConsentReceipt>> Receipts(store::Connection& conn,
                                                        const ShopperRef& who) const;

 private:
  const VisitService& visits_;
  const consent::ConsentLedger& ledger_;
  const privacy::DataRights& rights_;
};

}  // namespace optin::visits
