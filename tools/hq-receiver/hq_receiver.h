// The reference HQ's request handling: POST /v1/batches takes {"batches": [jws, ...]} from a
// store presenting a client certificate issued by the store CA, verifies each batch's ES256
// signature against that certificate's key, checks the store (the batch's store_id must be on
// the allow-list, or, without one, equal the certificate's CN), the batch id (it must be the one
// the store id and period give) and the payload's shape, and stores each batch once: a batch id
// already stored answers "duplicate" (a retry may be re-signed: ECDSA signatures are randomised,
// and the id already binds the store and the period). It accepts batch formats 1 and 2
// ("optin-hq-batch/1", "optin-hq-batch/2"); a batch of any other schema is refused with reason
// "unsupported-version" and a problem+json object that names the version. Every batch stored or
// refused is logged (event "hq.batch": store, period, verdict, reason; nothing personal).
// GET /batches?store=ID lists what was stored (tests and demos). Thread-safe.
#pragma once

#include <boost/json/object.hpp>
#include <set>
#include <string>
#include <vector>

#include "net/router.h"
#include "platform/clock.h"
#include "platform/error.h"
#include "store/database.h"
#include "store/schema.h"

namespace optin::hq {

// The receiver's own schema (its database is not a store's).
std::span<const store::Migration> ReceiverSchema();

struct ReceiverOptions {
  std::set<std::string> allowed_stores;  // empty: the client certificate's CN must match
  size_t max_batches_per_request = 500;
  // For fault tests: the first `fail_first` POST /v1/batches are answered 500 without looking at
  // them (as an HQ with a broken back end would).
  int64_t fail_first = 0;
  // For fault tests: the first `hang_first` POST /v1/batches (after the failed ones) are read
  // and never answered; their connections stay open until ReleaseHung() (as an HQ whose back end
  // hangs would).
  int64_t hang_first = 0;
};

// One batch's verdict, as answered to the store.
struct BatchVerdict {
  std::string batch_id;
  std::string status;  // "stored", "duplicate", "rejected"
  std::string reason;  // when rejected: "bad-signature", "unknown-store", "malformed",
                       // "unsupported-version", ...
  std::string detail;  // a sentence for a person, when rejected
  std::string schema;  // the batch's schema as it claims it ("optin-hq-batch/2"), if any
  int64_t period_start = -1;
  int64_t period_end = -1;
};

// The batch schemas this HQ accepts.
inline constexpr std::string_view kAcceptedSchemas[] = {"optin-hq-batch/1", "optin-hq-batch/2"};

class HqReceiver {
 public:
  HqReceiver(store::Database& db, const platform::Clock& clock, ReceiverOptions options);

  void Register(net::Router& router);

  // Checks one batch against the presenting certificate (DER); does not store it.
  BatchVerdict Check(std::string_view jws, std::string_view peer_certificate_der,
                     std::string* store_id, boost::json::object* payload) const;

  struct Counters {
    uint64_t stored = 0, duplicate = 0, rejected = 0;
    uint64_t failed_on_purpose = 0;  // --fail-first
    uint64_t hung_on_purpose = 0;    // --hang-first
  };
  Counters counters() const;
  // Answers the requests held by --hang-first (503), so that a shutdown can finish.
  void ReleaseHung();

 private:
  void PostBatches(net::Request&& request, net::Responder respond);
  void GetBatches(net::Request&& request, net::Responder respond);

  store::Database& db_;
  const platform::Clock& clock_;
  ReceiverOptions options_;
  mutable std::mutex mu_;
  Counters counters_;                 // GUARDED_BY(mu_)
  std::vector<net::Responder> hung_;  // GUARDED_BY(mu_)
};

}  // namespace optin::hq
