#include "tools/optin-hq/session_gate.h"

#include <memory>

#include "tools/optin-hq/hq_http.h"

namespace optin::hq {

net::Handler Gated(HqContext& ctx, std::optional<Role> need, GatedHandler fn) {
  return [&ctx, need, fn = std::move(fn)](net::Request&& request, net::Responder respond) {
    auto shared = std::move(respond).Share();
    auto req = std::make_shared<net::Request>(std::move(request));
    const bool queued = ctx.work.Post([&ctx, need, fn, req, shared] {
      const std::string token = CookieValue(*req, kSessionCookie);
      if (token.empty()) {
        (*shared)(HqProblem(401, "session-required", "log in first: POST /v1/login"));
        return;
      }
      auto session = ctx.accounts.Authenticate(token);
      if (!session) {
        if (session.error().code == ErrorCode::kUnauthenticated) {
          (*shared)(HqProblem(401, "session-required", "no valid session: log in again"));
        } else {
          (*shared)(HqProblem(session.error(), "storage-unavailable"));
        }
        return;
      }
      if (need && session->role != *need && session->role != Role::kAdmin) {
        (*shared)(HqProblem(403, "role-required",
                            "this needs the " + std::string(RoleName(*need)) + " role"));
        return;
      }
      (*shared)(fn(*req, *session));
    });
    if (!queued) (*shared)(HqProblem(503, "busy", "HQ is busy; try again shortly"));
  };
}

}  // namespace optin::hq
