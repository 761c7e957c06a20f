// The shopper's "why" use case (GET /v1/me/why): every use made of their data, gathered as plain
// values from a shopper found by app token subject or visit token (visits::FindShopper). Only
// this visit's story when a visit is in progress (its offers shown, the audit entries since it
// began), everything on record otherwise; the purposes in force; the interests; and, from the
// audit log, consent changes and what each staff role did with the shopper's help requests with
// what may be said of it. The words (languages, labels) are the caller's to render.
// Immutable; thread-safe (Tell runs inside a read job on the job's connection).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "consent/consent_ledger.h"
#include "offers/catalog.h"
#include "offers/declared_interests.h"
#include "offers/offer_views.h"
#include "offers/personalizer.h"
#include "platform/error.h"
#include "store/connection.h"
#include "visits/shopper.h"
#include "visits/visit_service.h"

namespace optin::offers {

// One offer shown in the visit, with the catalog's offer when the catalog in force still has it.
struct OfferShown {
  OfferViewRecord view;
  const Offer* offer = nullptr;  // in WhyStory::catalog; nullptr: no longer in the catalog
};

// What the shopper's statements say of one staff audit entry. A request listed on a console was
// "shown" to that role (the box cannot know that a person looked), said only of a role that did
// nothing more; a claim is "on the way" only while the request is not yet done.
enum class StaffSay {
  kNothing,      // a view by a role that also claimed or resolved: that speaks for itself
  kShown,        // listed on a console of that role
  kClaimed,      // claimed, someone is on the way
  kClaimedDone,  // claimed, and the request has since been resolved
  kResolved,     // resolved
};

// A staff member's view, claim or resolution of the shopper's help request (audit log).
struct StaffAction {
  int64_t at = 0;
  std::string action;  // "viewed", "claimed", "resolved"
  std::string role;    // as recorded ("associate" when the entry names none)
  StaffSay say = StaffSay::kNothing;
};

// A consent change on record (audit log): the purpose as recorded and whether it was granted.
struct ConsentChanged {
  int64_t at = 0;
  std::string purpose;
  bool granted = false;
};

// Everything the "why" page tells, oldest first within each part.
struct WhyStory {
  std::optional<visits::Visit> visit;            // the visit in progress, if any
  std::vector<consent::PurposeStatus> purposes;  // those in force only
  std::vector<Interest> interests;               // as declared
  std::shared_ptr<const Catalog> catalog;        // keeps the offers below alive
  std::vector<OfferShown> offers_shown;          // this visit's; none without a visit
  std::vector<std::variant<StaffAction, ConsentChanged>> events;  // audit entries, in order
};

class WhyDesk {
 public:
  WhyDesk(const visits::VisitService& visits, const consent::ConsentLedger& ledger,
          const DeclaredInterests& interests, const Personalizer& personalizer)
      : visits_(visits), ledger_(ledger), interests_(interests), personalizer_(personalizer) {}

  // The story of the shopper `who`. Refusals: FindShopper's.
  Result<WhyStory> Tell(store::Connection& conn, const visits::ShopperRef& who) const;

 private:
  const visits::VisitService& visits_;
  const consent::ConsentLedger& ledger_;
  const DeclaredInterests& interests_;
  const Personalizer& personalizer_;
};

}  // namespace optin::offers
