#include "tools/optin-hq/bundle_handler.h"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "platform/log.h"
#include "tools/optin-hq/batch_check.h"
#include "tools/optin-hq/bundle_fetch.h"
#include "tools/optin-hq/hq_http.h"
#include "tools/optin-hq/session_gate.h"

namespace optin::hq {
namespace log = platform::log;

std::vector<HqRoute> BundleHandler::Routes() {
  return {{Listener::kStores, "GET", "/v1/bundles/{kind}",
           [&ctx = ctx_](net::Request&& r, net::Responder respond) {
             GetBundle(ctx, std::move(r), std::move(respond));
           }},
          {Listener::kPeople, "GET", "/v1/bundles/in-force",
           Gated(ctx_, std::nullopt, [&ctx = ctx_](const net::Request&, const Session&) {
             auto rows = ctx.store.ListBundlesInForce();
             if (!rows) return HqProblem(503, "storage-unavailable", "HQ cannot read its database");
             boost::json::array stores;
             for (const BundleInForce& b : *rows) {
               stores.push_back(boost::json::object{{"store_id", b.store_id},
                                                    {"kind", b.kind},
                                                    {"version", b.version},
                                                    {"etag", b.etag},
                                                    {"reported_at", b.reported_at}});
             }
             net::Response r;
             r.body = boost::json::serialize(boost::json::object{{"stores", std::move(stores)}});
             return r;
           })}};
}

void BundleHandler::GetBundle(HqContext& ctx, net::Request&& request, net::Responder respond) {
  const PeerStore peer = ctx.peers.Of(request.peer_certificate_der, ctx.clock.NowUnix());
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
