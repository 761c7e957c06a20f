// The shopper's personalized offers and the explanation of every use of their data:
//   GET /v1/offers   offers picked for the caller in this visit, each with its reason in words;
//                    needs `offers`; price and terms are the catalog's, the same for everyone
//   GET /v1/me/why   in words, every use made of the caller's data in this visit: purposes in
//                    force, interests used, offers shown and why, and each staff view or claim
//                    of their help request (by role, from the audit log)
// Handlers parse on the network thread, run one use case (offers::OfferDesk::Show,
// offers::WhyDesk::Tell) as one database job and render its plain values in the caller's
// language on the connection's strand. Immutable after Register(); thread-safe.
#pragma once

#include "net/router.h"
#include "notices/word_labels.h"
#include "offers/offer_desk.h"
#include "offers/personalizer.h"
#include "offers/why_desk.h"
#include "platform/clock.h"
#include "privacy/pseudonymizer.h"
#include "visits/app_token_verifier.h"
#include "visits/visit_service.h"

namespace optin::store {
class Database;
}  // namespace optin::store

namespace optin::api {

struct OffersApiDeps {
  store::Database& db;
  const platform::Clock& clock;
  const consent::ConsentLedger& ledger;
  const visits::VisitService& visits;
  const visits::AppTokenVerifier& tokens;
  const privacy::Pseudonymizer& pseudonymizer;
  const offers::DeclaredInterests& interests;
  const offers::Personalizer& personalizer;
  // How each interest (an offer's category) reads in each language, in reasons and statements.
  notices::WordLabels interest_labels = {};
};

class OffersApi {
 public:
  explicit OffersApi(OffersApiDeps deps)
      : d_(deps),
        offer_desk_(d_.visits, d_.personalizer),
        why_desk_(d_.visits, d_.ledger, d_.interests, d_.personalizer) {}
  void Register(net::Router& router) const;

  // Handlers, public so that tests call them without sockets.
  void GetOffers(net::Request&& request, net::Responder respond) const;
  void GetWhy(net::Request&& request, net::Responder respond) const;

 private:
  OffersApiDeps d_;
  offers::OfferDesk offer_desk_;  // the offers use case
  offers::WhyDesk why_desk_;      // the "why" use case
};

}  // namespace optin::api
