// The stores' bundle route (issue 15 part 5): GET /v1/bundles/{catalog|notice} on the stores'
// listener (mutual TLS): the client certificate names the store, the stores file its region;
// the answer is AnswerBundleFetch's (bundle_fetch.h): 200 with the compact JWS and its strong
// ETag, 304 for If-None-Match with it, 404 problem when nothing is published. A certificate of
// a store not in the stores file is refused (403 unknown-store). For people with a session (the
// dashboard): GET /v1/bundles/in-force, which version of each kind each store reported in its
// latest batch: {"stores": [{"store_id", "kind", "version", "etag", "reported_at"}]}. The database
// is read on HQ's worker threads. The routes refer to the context only (not to the handler), so the
// handler may be a temporary. Thread-safe.
#pragma once

#include <vector>

#include "tools/optin-hq/hq_context.h"

namespace optin::hq {

class BundleHandler {
 public:
  explicit BundleHandler(HqContext& ctx) : ctx_(ctx) {}
  std::vector<HqRoute> Routes();

 private:
  static void GetBundle(HqContext& ctx, net::Request&& request, net::Responder respond);

  HqContext& ctx_;
};

}  // namespace optin::hq
