// An HQ batch: the noisy counts of one period (or, after a merge, of several periods listed one
// by one), with what HQ needs to trust them (store id, periods, software version, audit chain
// head) and to state each figure's error (per metric: the mechanism, the cap, the epsilon spent,
// the noise scale and each cell's variance). Every cell of every label domain is sent, whatever
// its value: no threshold, so sums are unbiased. BatchContent is the local form kept in the
// outbox; BatchPayload is what leaves the box (schema "optin-hq-batch/2", described in the
// README): only allowed keys, never a per-person field. Pure functions over value types;
// thread-safe.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "platform/crypto.h"
#include "platform/error.h"
#include "platform/random.h"

namespace optin::sync {

// metric -> label -> count (every label of the metric's domain).
using Cells = std::map<std::string, std::map<std::string, int64_t, std::less<>>, std::less<>>;

inline constexpr std::string_view kBatchSchemaV1 = "optin-hq-batch/1";
inline constexpr std::string_view kBatchSchemaV2 = "optin-hq-batch/2";

// One metric of a batch.
struct MetricRelease {
  // "discrete-laplace"; "none" only in the test-only exact mode; "withheld" when the day's
  // budget had nothing left for it (no cells then); "mixed" after merging different ones.
  std::string mechanism = "discrete-laplace";
  int64_t cap = 0;             // events one shopper may add per period (largest part's)
  int64_t epsilon_micros = 0;  // spent on it (summed over merged periods)
  // The noise scale of one period's cells: scale_num / scale_den. 0 / 0 after a merge (a merged
  // cell is a sum of cells with their own scales: its variance says what it needs).
  uint64_t scale_num = 0;
  uint64_t scale_den = 0;
  std::map<std::string, int64_t, std::less<>> cells;    // label -> noisy count
  std::map<std::string, double, std::less<>> variance;  // label -> variance of its noise
};

struct PeriodRange {
  int64_t start = 0;
  int64_t end = 0;
};

// The version of a signed bundle (offer catalog, privacy notice) the box had in force when it
// released a batch, and the strong ETag of the HQ bundle it applied (empty when the box runs a
// file of its own): HQ's dashboard shows which store runs which version.
struct BundleInForce {
  std::string version;
  std::string etag;
  bool operator==(const BundleInForce&) const = default;
};
// kind ("catalog", "notice") -> what is in force.
using BundlesInForce = std::map<std::string, BundleInForce, std::less<>>;

struct BatchContent {
  std::string store_id;
  int64_t period_start = 0;
  int64_t period_end = 0;
  std::vector<PeriodRange> periods;  // the periods it covers, oldest first (one unless merged)
  std::string software_version;
  std::string audit_head;  // hex hash of the audit chain's last entry
  bool audit_intact = true;
  int64_t created_at = 0;
  std::map<std::string, MetricRelease, std::less<>> metrics;
  BundlesInForce bundles;  // sent as "bundles" when not empty

  int64_t epsilon_micros() const;  // the sum over the metrics
};

// Variance of the discrete Laplace with scale num/den: 2a/(1-a)^2, a = exp(-den/num). 0 when
// num is 0 (no noise).
double DiscreteLaplaceVariance(uint64_t scale_num, uint64_t scale_den);

// Hex of the first 16 bytes of SHA-256("optin-hq-batch|v1|" store "|" start "|" end): the same
// period of the same store always gets the same id, so a retried upload is recognised.
std::string BatchId(std::string_view store_id, int64_t period_start, int64_t period_end);

// The JSON that is signed and sent (schema "optin-hq-batch/2").
boost::json::object BatchPayload(const BatchContent& content);

// The local form, stored in the outbox, and back. ContentFromJson also reads the form an older
// version (batch format 1) wrote, turning its joint noise into per-metric figures.
boost::json::object ContentToJson(const BatchContent& content);
Result<BatchContent> ContentFromJson(const boost::json::object& json);

// Sums batches of one store (older first) into one covering all their periods: counts add,
// variances add, epsilons add; the periods are listed.
Result<BatchContent> MergeContents(const std::vector<BatchContent>& parts);

// The largest signed batch a receiver must accept: a batch holds every cell of every label
// domain with its variance, more than a token's 8 KB when a store has many offer categories.
inline constexpr size_t kMaxBatchJwsBytes = 64 * 1024;

// The JWS "typ" of a batch.
inline constexpr std::string_view kBatchJwsType = "optin-hq-batch+jws";

// Signs a batch payload into a compact JWS.
using BatchSigner = std::function<Result<std::string>(const boost::json::object& payload)>;
// ES256 with `key` (the device TLS key HQ's CA certified), kid = the key's KeyId. `key` and
// `random` must outlive the signer.
BatchSigner MakeJwsSigner(const platform::EcdsaPrivateKey& key, platform::Random& random);

}  // namespace optin::sync
