// The durable outbox of signed HQ batches (table sync_outbox): batches enter it in the same
// transaction that releases their period and leave it only when HQ acknowledges them. It is
// bounded in size and age: past the bounds the oldest batches are merged into one (their noisy
// counts summed, re-thresholded and re-signed), never dropped; a batch that may already have
// reached HQ (an attempt ended without an answer) is never merged, so HQ never counts a
// period twice. Stateless functions over a Connection, run inside database jobs; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "platform/clock.h"
#include "platform/error.h"
#include "store/connection.h"
#include "sync/batch.h"
#include "sync/sync_policy.h"

namespace optin::sync {

struct OutboxBatch {
  int64_t seq = 0;
  std::string batch_id;
  int64_t period_start = 0;
  int64_t period_end = 0;
  int64_t created_at = 0;
  std::string jws;
  int64_t attempts = 0;
};

// The outbox as the metrics see it.
struct OutboxDepth {
  int64_t pending = 0;             // batches waiting for HQ
  int64_t rejected = 0;            // refused by HQ, kept for a person to look at
  int64_t oldest_age_seconds = 0;  // of the oldest pending batch (0 when none)
};

class Outbox {
 public:
  Outbox(const platform::Clock& clock, OutboxPolicy policy, BatchSigner signer);

  // Adds a signed batch (the caller's transaction). A batch id already present is a conflict.
  Status Enqueue(store::Connection& conn, const BatchContent& content, std::string_view jws) const;
  // Up to `n` pending batches, oldest first.
  Result<std::vector<OutboxBatch>> Head(store::Connection& conn, int64_t n) const;
  // HQ acknowledged them (stored or duplicate): they leave the outbox.
  Status MarkSent(store::Connection& conn, const std::vector<std::string>& batch_ids) const;
  // HQ refused this batch for good (bad signature, ...): kept aside as 'rejected'.
  Status MarkRejected(store::Connection& conn, std::string_view batch_id,
                      std::string_view reason) const;
  // An attempt failed; `maybe_sent` when the request may have reached HQ.
  Status RecordFailure(store::Connection& conn, const std::vector<std::string>& batch_ids,
                       std::string_view error, bool maybe_sent) const;
  Result<OutboxDepth> Depth(store::Connection& conn) const;
  // Enforces the bounds by merging; returns how many batches were merged away.
  Result<int64_t> Compact(store::Connection& conn) const;

  const OutboxPolicy& policy() const { return policy_; }

 private:
  // Merges the given consecutive rows (by seq) into one, in place of the first.
  Status MergeRows(store::Connection& conn, const std::vector<int64_t>& seqs) const;

  const platform::Clock& clock_;
  OutboxPolicy policy_;
  BatchSigner signer_;
};

}  // namespace optin::sync
