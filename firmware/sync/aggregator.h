// Turns the consented events of closed periods into signed HQ batches. For each closed period,
// in order, each on its own (after an outage every missed period is released separately, so an
// event is always released in the period it happened in): count the period's events with each
// shopper's contribution capped per metric (across its labels), add discrete Laplace noise of
// scale cap / epsilon (the metric's share of the day's epsilon spread over the day's periods) to
// every cell of every label domain, sign the batch with each metric's mechanism, cap, epsilon,
// scale and cell variances, put it in the outbox, record the period and the epsilon spent, all
// in the caller's one transaction. No period is dropped and no cell is left out. Events recorded
// with a time before an already released period (a clock that stepped back) are stamped into
// the next one by the recorder. Immutable; methods run inside database jobs; thread-safe when
// the Random is.
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

// kExactForTests turns noise off. For tests only: no configuration reaches it.
enum class NoiseMode { kPrivate, kExactForTests };

struct PeriodOutcome {
  int64_t period_start = 0;
  int64_t period_end = 0;
  // "released"; "reduced" when the day's budget had less left than the period's share (only
  // after a configuration change within the day or manual releases): its metrics were released
  // with what was left, and say so.
  std::string outcome;
  std::string batch_id;
  int64_t epsilon_micros = 0;
  int64_t events = 0;  // events counted (after the caps)
  bool manual = false;
};

// What the aggregator has done, for `optinctl sync status`.
struct ReleaseStatus {
  int64_t periods_released = 0;        // ever
  int64_t periods_released_today = 0;  // in the current UTC day
  int64_t epsilon_spent_today_micros = 0;
  int64_t epsilon_per_day_micros = 0;
  int64_t budgeted_epsilon_per_day_micros = 0;
  int64_t last_period_end = 0;  // 0 when none
  int64_t last_decided_at = 0;
  int64_t pending_events = 0;  // recorded, not yet released
};

class Aggregator {
 public:
  Aggregator(const platform::Clock& clock, platform::Random& random, SyncPolicy policy,
             const Outbox& outbox, BatchSigner signer, NoiseMode mode = NoiseMode::kPrivate);

  // Releases every period that has closed since the last one released, oldest first, at most
  // max_catch_up_periods of them (the caller calls again for the rest: see more_to_release).
  Result<std::vector<PeriodOutcome>> ReleaseClosedPeriods(store::Connection& conn) const;
  // Whether closed periods are still waiting (after a catch-up capped by max_catch_up_periods).
  Result<bool> MoreToRelease(store::Connection& conn) const;

  // Development only (sync.allow_manual_release): releases the closed periods, then the current
  // period up to now as a period of its own, spending one period's epsilon from today's budget
  // like any release. Refused (kFailedPrecondition, reason "budget-exhausted") unless today's
  // budget still has room for it and for every period left in the day. In a period's first
  // second the current period is empty: the closed periods this call released are the answer,
  // and when there were none it is refused (reason "nothing-to-release").
  Result<std::vector<PeriodOutcome>> ReleaseNow(store::Connection& conn) const;

  // The capped true counts of the events in [from, before), over the label domains of every
  // metric (zeros included).
  Result<Cells> CountEvents(store::Connection& conn, int64_t from, int64_t before,
                            int64_t* events) const;

  Result<ReleaseStatus> ReadStatus(store::Connection& conn) const;

  // The end of the last released period: every event before it is done with. INT64_MIN when
  // no period was released yet.
  static Result<int64_t> ReleasedUntil(store::Connection& conn);

  // Deletes at most `max_rows` events before ReleasedUntil (oldest first); returns how many.
  // Fewer than `max_rows` means none is left.
  static Result<int64_t> DeleteReleasedEvents(store::Connection& conn, int64_t max_rows);

  // Unix time at which the period containing `now` closes.
  int64_t NextCloseAfter(int64_t now) const;

  const SyncPolicy& policy() const { return policy_; }

 private:
  // Releases [start, end) as one period.
  Result<PeriodOutcome> ReleasePeriod(store::Connection& conn, int64_t start, int64_t end,
                                      int64_t now, bool manual) const;
  Result<int64_t> SpentOnDay(store::Connection& conn, int64_t day) const;
  Result<int64_t> FirstStart(store::Connection& conn, int64_t closed_end) const;

  const platform::Clock& clock_;
  platform::Random& random_;
  const SyncPolicy policy_;
  const Outbox& outbox_;
  BatchSigner signer_;
  const NoiseMode mode_;
};

}  // namespace optin::sync
