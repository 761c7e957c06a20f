// Signed bundles from HQ (issue 15 part 5): at each sync period the box asks HQ, over its
// mutual-TLS channel, for each kind it takes from HQ (GET /v1/bundles/{kind} with If-None-Match:
// the strong ETag of the bundle file in force, the hex SHA-256 of its bytes, so it survives
// restarts with the file). A 200's bytes go to the kind's `apply`, which checks and applies them
// exactly as a file dropped in place (the daemon's own load path: signature, store id, expiry,
// no rollback) and saves them as that file. 304 and 404 change nothing; a refused bundle changes
// nothing, is logged (kind and reason, nothing personal), counted, and asked for again at the
// next period. FetchOnce() is one round and can be driven by a test with a fake transport;
// Start() runs rounds on a thread of its own. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "platform/clock.h"
#include "platform/error.h"
#include "sync/batch.h"

namespace optin::sync {

struct BundleResponse {
  int status = 0;
  std::string body;
  std::string etag;  // the ETag header, if any
};

// GET one bundle from HQ (called from the fetcher's thread).
class BundleTransport {
 public:
  virtual ~BundleTransport() = default;
  virtual Result<BundleResponse> Get(const std::string& kind, const std::string& if_none_match) = 0;
};

// One kind of bundle the box takes from HQ.
struct BundleKind {
  std::string kind;  // "catalog" or "notice": the last segment of /v1/bundles/{kind}
  // The bytes of the bundle file in force (empty: none), for its ETag.
  std::function<Result<std::string>()> bytes_in_force;
  // Checks and applies fetched bytes as a file dropped in place would be; an error (with its
  // reason) leaves everything as it was.
  std::function<Status(const std::string& bytes)> apply;
};

// Per kind, for optinctl sync status and the metrics.
struct BundleFetchStats {
  uint64_t applied = 0;        // 200, applied
  uint64_t not_modified = 0;   // 304
  uint64_t not_published = 0;  // 404: HQ has none for this store or its region
  uint64_t refused = 0;        // 200, refused by the checks
  uint64_t failed = 0;         // no answer, or another status
  std::string last_outcome;    // "applied", "not-modified", "not-published", "refused", "failed"
  std::string last_reason;     // why the last refusal or failure
  int64_t last_fetch_at = 0;   // Unix seconds
  std::string etag;            // of the bundle file in force after the last round
};
using BundleFetchStatsMap = std::map<std::string, BundleFetchStats, std::less<>>;

// The strong ETag of a bundle's bytes: the hex SHA-256 in double quotes (HQ computes the same).
std::string BundleEtag(std::string_view bytes);

class BundleFetcher {
 public:
  BundleFetcher(BundleTransport& transport, std::vector<BundleKind> kinds,
                const platform::Clock& clock);
  ~BundleFetcher();  // Stop()s

  // One round: each kind once, in order.
  void FetchOnce();

  // Runs a round now, then one every `every` until Stop().
  void Start(std::chrono::seconds every);
  void Stop();

  BundleFetchStatsMap stats() const;

 private:
  void FetchKind(const BundleKind& kind);
  void Record(const std::string& kind, const std::string& outcome, const std::string& reason,
              const std::string& etag);

  BundleTransport& transport_;
  const std::vector<BundleKind> kinds_;
  const platform::Clock& clock_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  BundleFetchStatsMap stats_;  // GUARDED_BY(mu_)
  bool stopping_ = false;      // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace optin::sync
