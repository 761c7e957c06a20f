#include "visits/erasure_desk.h"

#include <utility>

namespace optin::visits {

void ErasureDesk::Erase(ShopperRef who, std::function<void(Result<Erasure>)> done) const {
  store::WriteOptions options;
  options.checkpoint_after = true;  // no old page images may remain in the WAL
  db_.Write<Erasure>(
      [this, who = std::move(who)](store::Connection& conn) -> Result<Erasure> {
        OPTIN_ASSIGN_OR_RETURN(Shopper s, FindShopper(conn, who, visits_));
        Erasure e;
        OPTIN_ASSIGN_OR_RETURN(e.summary, rights_.Erase(conn, s.subject_id, clock_.NowUnix()));
        OPTIN_ASSIGN_OR_RETURN(
            e.receipt_jws, privacy::DataRights::SignErasureReceipt(signer_, store_id_, e.summary));
        return e;
      },
      std::move(done), options);
}

}  // namespace optin::visits
