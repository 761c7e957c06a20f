// The HQ uploader: posts the outbox's pending batches, oldest first and up to
// batches_per_request at a time, as {"batches": [jws, ...]} and reads HQ's answer
// {"results": [{"batch_id", "status": "stored"|"duplicate"|"rejected", "reason"?}]}. Stored and
// duplicate batches leave the outbox; rejected ones are set aside (logged, counted); any other
// outcome (no connection, timeout, 5xx, an unreadable answer) is retried after an exponential
// backoff with full jitter. Step() is one attempt and can be driven by a test with a fake clock;
// Start() runs it on a thread of its own that sleeps until the next attempt or a Wake().
// Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "platform/clock.h"
#include "platform/error.h"
#include "platform/random.h"
#include "store/database.h"
#include "sync/bundle_fetcher.h"
#include "sync/outbox.h"

namespace optin::sync {

struct TransportResponse {
  int status = 0;
  std::string body;
};

// Sends one request body to HQ and waits for the answer (called from the uploader's thread).
class BatchTransport {
 public:
  virtual ~BatchTransport() = default;
  // An error says whether the request may have reached HQ (Error::reason "maybe-sent" or any
  // reason other than one of the connection-level ones, see MaybeSent()).
  virtual Result<TransportResponse> Post(const std::string& body) = 0;
};

// True unless the failure happened before any byte of the request could reach HQ.
bool MaybeSent(const Error& error);

// For the metrics issue and the logs.
struct UploaderStats {
  int64_t outbox_pending = 0;
  int64_t outbox_rejected = 0;
  int64_t oldest_batch_age_seconds = 0;
  uint64_t batches_sent = 0;       // acknowledged by HQ (stored or duplicate)
  uint64_t batches_duplicate = 0;  // of those, HQ already had
  uint64_t batches_rejected = 0;   // refused by HQ
  uint64_t batches_merged = 0;     // merged away by the outbox bounds
  uint64_t attempts_failed = 0;
  int64_t consecutive_failures = 0;
  std::string last_error;
  int64_t last_attempt_at = 0;    // Unix time of the last upload attempt (0: none yet)
  int64_t last_delivered_at = 0;  // of the last one HQ acknowledged batches in
  BundleFetchStatsMap bundles;    // the bundle fetcher's counts per kind (SyncService fills it)
};

enum class StepResult { kIdle, kNotDue, kDelivered, kFailed };

class Uploader {
 public:
  Uploader(store::Database& db, const Outbox& outbox, BatchTransport& transport,
           const platform::Clock& clock, platform::Random& random);
  ~Uploader();  // Stop()s

  // One attempt if one is due: compact the outbox, read its head, post, record the outcome.
  StepResult Step();
  // Delay before the next attempt after `failures` consecutive failures (>= 1): uniform in
  // [0, min(max, initial * 2^(failures-1))] (full jitter).
  std::chrono::milliseconds Backoff(int64_t failures);
  // The monotonic time before which Step() will not try again.
  platform::MonoTime next_attempt() const;

  void Start();
  void Wake();  // a batch was enqueued: try now unless backing off
  void Stop();

  UploaderStats stats() const;

 private:
  void Run();

  store::Database& db_;
  const Outbox& outbox_;
  BatchTransport& transport_;
  const platform::Clock& clock_;
  platform::Random& random_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  UploaderStats stats_;                               // GUARDED_BY(mu_)
  platform::MonoTime next_attempt_{};                 // GUARDED_BY(mu_)
  bool woken_ = false;                                // GUARDED_BY(mu_)
  bool stopping_ = false;                             // GUARDED_BY(mu_)
  std::chrono::steady_clock::time_point last_log_{};  // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace optin::sync
