// The shopper's erasure use case (DELETE /v1/me): the shopper found by app subject or visit
// token (FindShopper), every record of theirs erased through privacy::DataRights, and an erasure
// receipt signed by the device, in one durable write followed by a WAL checkpoint so that no old
// page image of theirs remains. It sits in visits because finding the shopper needs the visits;
// the HTTP route only translates. Immutable; thread-safe (Erase from any thread).
#pragma once

#include <functional>
#include <string>

#include "platform/clock.h"
#include "platform/error.h"
#include "privacy/data_rights.h"
#include "privacy/receipt_signer.h"
#include "store/database.h"
#include "visits/shopper.h"
#include "visits/visit_service.h"

namespace optin::visits {

struct Erasure {
  privacy::ErasureSummary summary;
  std::string receipt_jws;  // the signed erasure receipt
};

class ErasureDesk {
 public:
  ErasureDesk(store::Database& db, const platform::Clock& clock, const VisitService& visits,
              const privacy::DataRights& rights, const privacy::ReceiptSigner& signer,
              std::string store_id)
      : db_(db),
        clock_(clock),
        visits_(visits),
        rights_(rights),
        signer_(signer),
        store_id_(std::move(store_id)) {}

  // Erases everything of the shopper `who`. Refusals: FindShopper's (nothing erased). `done`
  // runs once on the database writer's thread after the commit and the checkpoint.
  void Erase(ShopperRef who, std::function<void(Result<Erasure>)> done) const;

 private:
  store::Database& db_;
  const platform::Clock& clock_;
  const VisitService& visits_;
  const privacy::DataRights& rights_;
  const privacy::ReceiptSigner& signer_;
  std::string store_id_;
};

}  // namespace optin::visits
