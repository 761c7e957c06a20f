// Turns the consented events of closed periods into signed HQ batches. For each closed period,
// in order: check the day's epsilon budget (a period that would exceed it is recorded as
// over-budget and not released), count the events with each subject's contribution capped per
// metric, add discrete Laplace noise of scale sensitivity/epsilon to every cell of every label
// domain, sign the batch, put it in the outbox, record the period and the epsilon spent, and
// delete the period's events: all in the caller's one transaction. Events recorded with a time
// before an already released period (a clock that stepped back) are counted in the next one.
// Immutable; ReleaseClosedPeriods runs inside a write job; thread-safe when the Random is.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "platform/clock.h"
#include "platform/error.h"
#include "platform/random.h"
#include "store/connection.h"
#include "sync/batch.h"
#include "sync/outbox.h"
#include "sync/sync_policy.h"

namespace optin::sync {

// kExactForTests turns noise and suppression off. For tests only: no configuration reaches it.
enum class NoiseMode { kPrivate, kExactForTests };

struct PeriodOutcome {
  int64_t period_start = 0;
  int64_t period_end = 0;
  std::string outcome;  // "released", "over-budget", "skipped"
  std::string batch_id;
  int64_t epsilon_micros = 0;
  int64_t events = 0;  // events counted (after the caps)
};

class Aggregator {
 public:
  Aggregator(const platform::Clock& clock, platform::Random& random, SyncPolicy policy,
             const Outbox& outbox, BatchSigner signer, NoiseMode mode = NoiseMode::kPrivate);

  // Releases every period that has closed since the last one released (at most
  // max_catch_up_periods; older ones are recorded as skipped, their events counted later).
  Result<std::vector<PeriodOutcome>> ReleaseClosedPeriods(store::Connection& conn) const;

  // The capped true counts of the events in [from, before), over the label domains (zeros
  // included).
  Result<Cells> CountEvents(store::Connection& conn, int64_t from, int64_t before,
                            int64_t* events) const;

  // The end of the last decided (released, over-budget or skipped) period: every event before
  // it is done with. INT64_MIN when no period was decided yet.
  static Result<int64_t> ReleasedUntil(store::Connection& conn);

  // Deletes at most `max_rows` events before ReleasedUntil (oldest first); returns how many.
  // Fewer than `max_rows` means none is left.
  static Result<int64_t> DeleteReleasedEvents(store::Connection& conn, int64_t max_rows);

  // Unix time at which the period containing `now` closes.
  int64_t NextCloseAfter(int64_t now) const;

  const SyncPolicy& policy() const { return policy_; }

 private:
  // Counts the events in [from, end).
  Result<PeriodOutcome> ReleasePeriod(store::Connection& conn, int64_t from, int64_t start,
                                      int64_t end, int64_t now) const;
  NoiseParameters Noise() const;

  const platform::Clock& clock_;
  platform::Random& random_;
  const SyncPolicy policy_;
  const Outbox& outbox_;
  BatchSigner signer_;
  const NoiseMode mode_;
};

}  // namespace optin::sync
