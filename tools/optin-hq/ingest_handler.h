// The stores' upload route, as the box's uploader (firmware/sync/uploader.cpp) uses it: POST
// /v1/batches {"batches": [jws, ...]} over mutual TLS answers 200 {"results": [{"batch_id",
// "status": "stored"|"duplicate"|"rejected", "reason", "problem"}]}, one result per batch, each
// refusal with its problem+json object saying why (bad-signature, unknown-store, store-mismatch,
// unsupported-version naming the version, malformed, batch-id-mismatch); a refused batch stores
// nothing. The upload's checked batches are stored in one transaction (HqStore::StoreBatches),
// once per batch id. An
// upload refused whole answers problem+json: 400 malformed-request (not JSON), 400
// too-many-batches, 403 client-certificate, 503 storage-unavailable (the database is down: the
// box retries; what was stored is a duplicate then), 503 busy. Every outcome is counted and
// logged (store, period, verdict; nothing personal). GET /batches?store=ID lists what HQ holds of
// the presenting store (its own only). Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <vector>

#include "tools/optin-hq/hq_context.h"

namespace optin::hq {

struct IngestOptions {
  size_t max_batches_per_request = 500;
  // Fault tests: the first `fail_first` uploads are answered 500 without looking at them.
  int64_t fail_first = 0;
  // Fault tests: the next `hang_first` uploads are never answered until ReleaseHung().
  int64_t hang_first = 0;
};

class IngestHandler {
 public:
  IngestHandler(HqContext& ctx, IngestOptions options) : ctx_(ctx), options_(options) {}
  std::vector<HqRoute> Routes();

  // Answers the uploads held by hang_first (503), so that a shutdown can finish.
  void ReleaseHung();
  int64_t failed_on_purpose() const;
  int64_t hung_on_purpose() const;

 private:
  void PostBatches(net::Request&& request, net::Responder respond);
  void GetBatches(net::Request&& request, net::Responder respond);

  HqContext& ctx_;
  const IngestOptions options_;
  mutable std::mutex mu_;
  int64_t failed_ = 0;                // GUARDED_BY(mu_)
  int64_t hung_ = 0;                  // GUARDED_BY(mu_)
  std::vector<net::Responder> held_;  // GUARDED_BY(mu_)
};

}  // namespace optin::hq
