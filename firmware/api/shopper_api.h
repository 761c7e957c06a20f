// The shopper's routes: check-in, ending the visit, consents, interests, access, erasure and
// receipts. Each handler parses and validates on the network thread, then runs one database
// job (a group-committed write or a read) and answers from its completion: nothing blocks the
// network threads on disk, and a request is acknowledged only once its write is durable.
// Immutable after Register(); thread-safe.
#pragma once

#include <string>

#include "consent/consent_ledger.h"
#include "net/router.h"
#include "offers/declared_interests.h"
#include "offers/interests_desk.h"
#include "platform/clock.h"
#include "privacy/data_rights.h"
#include "privacy/pseudonymizer.h"
#include "privacy/receipt_signer.h"
#include "visits/access_desk.h"
#include "visits/app_token_verifier.h"
#include "visits/check_in_desk.h"
#include "visits/consent_desk.h"
#include "visits/erasure_desk.h"
#include "visits/presence_code.h"
#include "visits/visit_service.h"

namespace optin::store {
class Database;
}  // namespace optin::store

namespace optin::api {

struct ShopperApiDeps {
  store::Database& db;
  const platform::Clock& clock;
  const consent::ConsentLedger& ledger;
  const visits::VisitService& visits;
  const visits::AppTokenVerifier& tokens;
  const visits::PresenceCode& presence;
  const privacy::Pseudonymizer& pseudonymizer;
  const privacy::DataRights& rights;
  const privacy::ReceiptSigner& signer;
  const offers::DeclaredInterests& interests;
  std::string store_id;
  // Earlier 30-s presence codes the anonymous web check-in still accepts (the page may sit on
  // the privacy notice for a while after the scan); app check-ins accept one.
  int64_t web_code_previous_steps = 1;
};

class ShopperApi {
 public:
  explicit ShopperApi(ShopperApiDeps deps)
      : d_(std::move(deps)),
        check_in_(d_.db, d_.tokens, d_.presence, d_.pseudonymizer, d_.visits,
                  {.web_code_previous_steps = d_.web_code_previous_steps}),
        consent_(d_.db, d_.visits, d_.ledger),
        erasure_(d_.db, d_.clock, d_.visits, d_.rights, d_.signer, d_.store_id),
        access_(d_.visits, d_.ledger, d_.rights),
        interests_(d_.visits, d_.interests) {}
  void Register(net::Router& router) const;

  // Handlers, public so that tests call them without sockets.
  void CheckIn(net::Request&& request, net::Responder respond) const;
  void EndVisit(net::Request&& request, net::Responder respond) const;
  void GetMe(net::Request&& request, net::Responder respond) const;
  void DeleteMe(net::Request&& request, net::Responder respond) const;
  void PutConsent(net::Request&& request, net::Responder respond) const;
  void GetReceipts(net::Request&& request, net::Responder respond) const;
  void PutInterests(net::Request&& request, net::Responder respond) const;

 private:
  ShopperApiDeps d_;
  visits::CheckInDesk check_in_;     // the check-in use case
  visits::ConsentDesk consent_;      // the consent change use case
  visits::ErasureDesk erasure_;      // the erasure use case
  visits::AccessDesk access_;        // the access use cases (GET /v1/me, its receipts)
  offers::InterestsDesk interests_;  // the interests use case
};

}  // namespace optin::api
