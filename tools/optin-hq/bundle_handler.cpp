#include "tools/optin-hq/bundle_handler.h"

#include "platform/log.h"
#include "tools/optin-hq/batch_check.h"
#include "tools/optin-hq/bundle_fetch.h"
#include "tools/optin-hq/hq_http.h"

namespace optin::hq {
namespace log = platform::log;

std::vector<HqRoute> BundleHandler::Routes() {
  return {{Listener::kStores, "GET", "/v1/bundles/{kind}",
           [&ctx = ctx_](net::Request&& r, net::Responder respond) {
             GetBundle(ctx, std::move(r), std::move(respond));
           }}};
}

void BundleHandler::GetBundle(HqContext& ctx, net::Request&& request, net::Responder respond) {
  const PeerStore peer = PeerStoreOf(request.peer_certificate_der);
  if (!peer.key) {
    respond(HqProblem(403, "client-certificate", peer.problem));
    return;
  }
  std::string region;
  if (const auto stores = ctx.stores.current()) {
    const StoreInfo* info = stores->Find(peer.common_name);
    if (info == nullptr) {
      log::Warn("hq.bundle_refused", {{"store", peer.common_name}, {"reason", "unknown-store"}});
      respond(HqProblem(403, "unknown-store",
                        "store '" + peer.common_name + "' is not in HQ's stores file"));
      return;
    }
    region = info->region;
  }
  auto shared = std::move(respond).Share();
  const std::string kind(request.Param("kind"));
  const std::string if_none_match(request.Header("if-none-match"));
  const std::string store = peer.common_name;
  const bool queued = ctx.work.Post([&ctx, shared, kind, if_none_match, store, region] {
    BundleAnswer a = AnswerBundleFetch(ctx.store, store, region, kind, if_none_match);
    log::Info("hq.bundle_fetch", {{"store", store}, {"kind", kind}, {"status", a.status}});
    net::Response r;
    r.status = a.status;
    r.content_type = a.content_type;
    r.body = std::move(a.body);
    r.headers = std::move(a.headers);
    r.problem = a.problem;
    (*shared)(std::move(r));
  });
  if (!queued) (*shared)(HqProblem(503, "busy", "HQ is busy; try again later"));
}

}  // namespace optin::hq
