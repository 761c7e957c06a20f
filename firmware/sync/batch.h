// An HQ batch: the noisy counts of one (or, after a merge, several consecutive) periods, with
// what HQ needs to trust and interpret them (store id, period, noise parameters, epsilon spent,
// audit chain head, software version). BatchContent is the local form (it keeps the noisy counts
// that fall under the threshold, so that merged batches can be re-thresholded); BatchPayload is
// what leaves the box: only allowed keys, only noisy counts at or above the threshold, never a
// per-person field. Pure functions over value types; thread-safe.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "platform/crypto.h"
#include "platform/error.h"
#include "platform/random.h"

namespace optin::sync {

// metric -> label -> noisy count (every label of the metric's domain).
using Cells = std::map<std::string, std::map<std::string, int64_t>, std::less<>>;

struct NoiseParameters {
  std::string mechanism = "discrete-laplace";  // "none" only in the test-only exact mode
  uint64_t scale_num = 1;                      // scale = scale_num / scale_den
  uint64_t scale_den = 1;
  int64_t sensitivity = 0;     // L1: the sum of the contribution caps
  int64_t suppress_below = 0;  // noisy counts under this are not reported
  int64_t epsilon_micros = 0;  // spent by this batch (summed over merged periods)
  int64_t checkins_cap = 0;
  int64_t help_requests_cap = 0;
  int64_t claims_cap = 0;
  int64_t offer_views_cap = 0;
};

struct BatchContent {
  std::string store_id;
  int64_t period_start = 0;
  int64_t period_end = 0;
  int64_t periods = 1;  // > 1 after a merge
  std::string software_version;
  std::string audit_head;  // hex hash of the audit chain's last entry
  bool audit_intact = true;
  int64_t created_at = 0;
  NoiseParameters noise;
  Cells cells;
};

// Hex of the first 16 bytes of SHA-256("optin-hq-batch|v1|" store "|" start "|" end): the same
// period of the same store always gets the same id, so a retried upload is recognised.
std::string BatchId(std::string_view store_id, int64_t period_start, int64_t period_end);

// The JSON that is signed and sent (schema "optin-hq-batch/1").
boost::json::object BatchPayload(const BatchContent& content);

// The local form, stored in the outbox, and back.
boost::json::object ContentToJson(const BatchContent& content);
Result<BatchContent> ContentFromJson(const boost::json::object& json);

// Sums consecutive batches of one store (older first) into one covering their whole range.
// Noise adds up (each part was private on its own); the threshold applies to the sums.
Result<BatchContent> MergeContents(const std::vector<BatchContent>& parts);

// The JWS "typ" of a batch.
inline constexpr std::string_view kBatchJwsType = "optin-hq-batch+jws";

// Signs a batch payload into a compact JWS.
using BatchSigner = std::function<Result<std::string>(const boost::json::object& payload)>;
// ES256 with `key` (the device TLS key HQ's CA certified), kid = the key's KeyId. `key` and
// `random` must outlive the signer.
BatchSigner MakeJwsSigner(const platform::EcdsaPrivateKey& key, platform::Random& random);

}  // namespace optin::sync
