#include "assist/help_requests.h"

#include <memory>
#include <utility>

namespace optin::assist {

void HelpRequests::Ask(visits::ShopperRef who, NewHelpRequest request,
                       std::function<void(Result<AskOutcome>)> done) const {
  db_.Write<AskOutcome>(
      [this, who = std::move(who),
       request = std::move(request)](store::Connection& conn) -> Result<AskOutcome> {
        OPTIN_ASSIGN_OR_RETURN(visits::Shopper s, visits::FindShopper(conn, who, visits_));
        if (!s.visit) {
          return Fail(ErrorCode::kFailedPrecondition,
                      "You have no visit in progress. Check in first to ask for help.", {},
                      "no-active-visit");
        }
        auto created = desk_.Request(conn, *s.visit, request);
        AskOutcome out;
        if (created) {
          out.created = std::move(*created);
          return out;
        }
        if (created.error().reason == "rate-limited") {
          OPTIN_ASSIGN_OR_RETURN(out.retry_after, desk_.HourlyRetryAfter(conn, s.visit->id));
          out.limited = std::move(created).error();
          return out;
        }
        if (created.error().reason != "help-request-open") {
          return std::unexpected(std::move(created).error());
        }
        OPTIN_ASSIGN_OR_RETURN(auto open, desk_.OpenRequestId(conn, s.visit->id));
        out.open_conflict = std::move(created).error();
        out.open_id = open.value_or("");
        return out;
      },
      std::move(done));
}

void HelpRequests::Get(visits::ShopperRef who, std::string id,
                       std::function<void(Result<ShopperView>)> done) const {
  auto shared = std::make_shared<std::function<void(Result<ShopperView>)>>(std::move(done));
  Status queued = db_.TryRead(
      [this, shared, who = std::move(who), id = std::move(id)](store::Connection& conn) {
        auto view = [&]() -> Result<ShopperView> {
          OPTIN_ASSIGN_OR_RETURN(visits::Shopper s, visits::FindShopper(conn, who, visits_));
          return desk_.Get(conn, s.subject_id, id);
        }();
        (*shared)(std::move(view));
      });
  if (!queued) (*shared)(std::unexpected(std::move(queued).error()));
}

void HelpRequests::Cancel(visits::ShopperRef who, std::string id,
                          std::function<void(Result<ShopperView>)> done) const {
  db_.Write<ShopperView>(
      [this, who = std::move(who),
       id = std::move(id)](store::Connection& conn) -> Result<ShopperView> {
        OPTIN_ASSIGN_OR_RETURN(visits::Shopper s, visits::FindShopper(conn, who, visits_));
        return desk_.Cancel(conn, s.subject_id, id);
      },
      std::move(done));
}

}  // namespace optin::assist
