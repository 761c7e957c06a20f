// The shopper's help request use cases, by plain values (who, the request, its id): asking for
// help during the visit in progress, reading and cancelling one's own request. Each finds the
// shopper (visits::FindShopper) and runs one database job through HelpDesk: a durable write for
// asking and cancelling, a read for reading. The HTTP routes (/v1/assist) only translate.
// Immutable; thread-safe (call from any thread).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "assist/help_desk.h"
#include "platform/error.h"
#include "store/database.h"
#include "visits/shopper.h"
#include "visits/visit_service.h"

namespace optin::assist {

// What asking for help came to: the new request, or the refusal that says where the open
// request is (help-request-open, with its id) or when the visit may ask again (rate-limited).
struct AskOutcome {
  std::optional<ShopperView> created;
  std::optional<Error> open_conflict;
  std::string open_id;  // the visit's open request, with open_conflict
  std::optional<Error> limited;
  std::chrono::seconds retry_after{0};  // with limited
};

class HelpRequests {
 public:
  HelpRequests(store::Database& db, const visits::VisitService& visits, const HelpDesk& desk)
      : db_(db), visits_(visits), desk_(desk) {}

  // Asks for help during the shopper's visit in progress (validate `request` first with
  // HelpDesk::Validate). Refusals as values: kFailedPrecondition "no-active-visit", HelpDesk's
  // (consent-required, ...); an open request or the hourly limit come as an AskOutcome. `done`
  // runs once on the database writer's thread after the commit.
  void Ask(visits::ShopperRef who, NewHelpRequest request,
           std::function<void(Result<AskOutcome>)> done) const;

  // The shopper's own request `id`. `done` runs once on a reader thread, or at once with
  // kUnavailable / kResourceExhausted when the read cannot be queued.
  void Get(visits::ShopperRef who, std::string id,
           std::function<void(Result<ShopperView>)> done) const;

  // Cancels the shopper's own request `id` (HelpDesk::Cancel). `done` as for Ask.
  void Cancel(visits::ShopperRef who, std::string id,
              std::function<void(Result<ShopperView>)> done) const;

 private:
  store::Database& db_;
  const visits::VisitService& visits_;
  const HelpDesk& desk_;
};

}  // namespace optin::assist
