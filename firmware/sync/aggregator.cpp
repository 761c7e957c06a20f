#include "sync/aggregator.h"

#include <boost/json/object.hpp>
#include <cstdio>
#include <limits>
#include <unordered_map>

#include "privacy/audit_log.h"
#include "sync/discrete_laplace.h"

namespace optin::sync {
namespace {

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

std::string HourLabel(int64_t at) {
  const int64_t hour = (at - FloorDiv(at, 86'400) * 86'400) / 3600;
  char buf[4];
  std::snprintf(buf, sizeof buf, "%02d", static_cast<int>(hour));
  return buf;
}

}  // namespace

Aggregator::Aggregator(const platform::Clock& clock, platform::Random& random, SyncPolicy policy,
                       const Outbox& outbox, BatchSigner signer, NoiseMode mode)
    : clock_(clock),
      random_(random),
      policy_(std::move(policy)),
      outbox_(outbox),
      signer_(std::move(signer)),
      mode_(mode) {}

int64_t Aggregator::NextCloseAfter(int64_t now) const {
  const int64_t p = policy_.period_seconds();
  return (FloorDiv(now, p) + 1) * p;
}

Result<int64_t> Aggregator::ReleasedUntil(store::Connection& conn) {
  // Periods are decided in order and never overlap: the latest start has the latest end.
  OPTIN_ASSIGN_OR_RETURN(auto stmt, conn.Prepare("SELECT period_end FROM sync_periods "
                                                 "ORDER BY period_start DESC LIMIT 1"));
  OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
  return row ? stmt.ColumnInt(0) : std::numeric_limits<int64_t>::min();
}

Result<int64_t> Aggregator::DeleteReleasedEvents(store::Connection& conn, int64_t max_rows) {
  OPTIN_ASSIGN_OR_RETURN(int64_t until, ReleasedUntil(conn));
  return conn.Execute(
      "DELETE FROM sync_events WHERE id IN (SELECT id FROM sync_events "
      "INDEXED BY sync_events_by_time WHERE at < ? ORDER BY at LIMIT ?)",
      until, max_rows);
}

Result<Cells> Aggregator::CountEvents(store::Connection& conn, int64_t from, int64_t before,
                                      int64_t* events) const {
  Cells cells;
  auto domain = [&cells](std::string_view metric, const auto& labels, bool other) {
    auto& m = cells[std::string(metric)];
    for (const auto& l : labels) m[std::string(l)] = 0;
    if (other) m[std::string(kOtherLabel)] = 0;
  };
  domain(kCheckinsTotal, std::vector<std::string_view>{kTotalLabel}, false);
  domain(kCheckinsByChannel, policy_.channels, true);
  {
    std::vector<std::string> hours;
    for (int h = 0; h < 24; ++h) hours.push_back(HourLabel(h * 3600));
    domain(kCheckinsByHour, hours, false);
  }
  domain(kHelpRequestsByTopic, policy_.topics, true);
  {
    std::vector<std::string_view> buckets;
    for (const ClaimBucket& b : kClaimBuckets) buckets.push_back(b.label);
    domain(kTimeToClaim, buckets, false);
  }
  domain(kOfferViewsByCategory, policy_.offer_categories, true);

  // Each shopper's first `cap` events of each metric count (in time order); the rest are
  // dropped. A check-in event feeds three metrics (by channel, by hour, the total), each with
  // its own cap. One pass over the time index, counting per (subject, metric) in memory.
  OPTIN_ASSIGN_OR_RETURN(auto stmt,
                         conn.Prepare("SELECT subject_id, metric, label, at FROM sync_events "
                                      "INDEXED BY sync_events_by_time WHERE at >= ? AND "
                                      "at < ? ORDER BY at, id"));
  stmt.BindAll(from, before);
  std::unordered_map<std::string, int64_t> taken;
  int64_t total = 0;
  std::string key;
  for (;;) {
    OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    const std::string event = stmt.ColumnText(1);
    bool counted = false;
    for (const MetricSpec& spec : kMetricSpecs) {
      if (spec.event != event) continue;
      auto metric = cells.find(spec.metric);
      if (metric == cells.end()) continue;
      key = stmt.ColumnText(0);
      key += '\x1f';
      key += spec.metric;
      int64_t& n = taken[key];
      if (n >= policy_.BudgetOf(spec.metric).cap) continue;
      std::string label;
      if (spec.metric == kCheckinsTotal) {
        label = kTotalLabel;
      } else if (spec.metric == kCheckinsByHour) {
        label = HourLabel(stmt.ColumnInt(3));
      } else {
        label = stmt.ColumnText(2);
      }
      auto cell = metric->second.find(label);
      if (cell == metric->second.end()) cell = metric->second.find(kOtherLabel);
      if (cell == metric->second.end()) continue;
      ++n;
      ++cell->second;
      counted = true;
    }
    if (counted) ++total;
  }
  if (events) *events = total;
  return cells;
}

Result<int64_t> Aggregator::SpentOnDay(store::Connection& conn, int64_t day) const {
  OPTIN_ASSIGN_OR_RETURN(auto stmt,
                         conn.Prepare("SELECT coalesce(sum(epsilon_micros), 0) FROM sync_periods "
                                      "WHERE day = ?"));
  stmt.BindAll(day);
  OPTIN_TRY(stmt.Step());
  return stmt.ColumnInt(0);
}

Result<PeriodOutcome> Aggregator::ReleasePeriod(store::Connection& conn, int64_t start, int64_t end,
                                                int64_t now, bool manual) const {
  PeriodOutcome out;
  out.period_start = start;
  out.period_end = end;
  out.manual = manual;
  const int64_t day = FloorDiv(start, 86'400);
  OPTIN_ASSIGN_OR_RETURN(const int64_t spent, SpentOnDay(conn, day));
  const int64_t needed = policy_.period_epsilon_micros();
  const int64_t left = std::max<int64_t>(0, policy_.epsilon_per_day_micros - spent);
  // Only a configuration changed within the day (or manual releases) can leave less than a
  // period's share: the period is still released, each metric with its part of what is left.
  const bool reduced = needed > left;
  OPTIN_ASSIGN_OR_RETURN(Cells counts, CountEvents(conn, start, end, &out.events));

  BatchContent content;
  content.store_id = policy_.store_id;
  content.period_start = start;
  content.period_end = end;
  content.periods = {PeriodRange{start, end}};
  content.software_version = policy_.software_version;
  if (policy_.bundles_in_force) content.bundles = policy_.bundles_in_force();
  for (auto& [metric, labels] : counts) {
    MetricRelease m;
    const MetricBudget& budget = policy_.BudgetOf(metric);
    m.cap = budget.cap;
    m.epsilon_micros = policy_.MetricPeriodEpsilonMicros(metric);
    if (reduced) m.epsilon_micros = needed > 0 ? m.epsilon_micros * left / needed : 0;
    if (mode_ == NoiseMode::kExactForTests) {
      m.mechanism = "none";
      for (const auto& [label, count] : labels) {
        m.cells[label] = count;
        m.variance[label] = 0.0;
      }
    } else if (m.epsilon_micros <= 0) {
      m.mechanism = "withheld";  // nothing left to spend: no figure rather than a false one
    } else {
      // scale = cap / epsilon = cap * 10^6 / epsilon_micros, kept as a fraction.
      m.scale_num = static_cast<uint64_t>(m.cap) * 1'000'000u;
      m.scale_den = static_cast<uint64_t>(m.epsilon_micros);
      const DiscreteLaplace laplace(m.scale_num, m.scale_den);
      const double variance = DiscreteLaplaceVariance(m.scale_num, m.scale_den);
      for (const auto& [label, count] : labels) {
        m.cells[label] = count + laplace.Sample(random_);
        m.variance[label] = variance;
      }
    }
    content.metrics[metric] = std::move(m);
  }
  OPTIN_ASSIGN_OR_RETURN(privacy::AuditVerification audit, privacy::AuditLog::Verify(conn));
  content.audit_head = audit.head_hash;
  content.audit_intact = audit.intact;
  content.created_at = now;
  OPTIN_ASSIGN_OR_RETURN(std::string jws, signer_(BatchPayload(content)));
  OPTIN_TRY(outbox_.Enqueue(conn, content, jws));
  out.outcome = reduced ? "reduced" : "released";
  out.batch_id = BatchId(content.store_id, start, end);
  out.epsilon_micros = content.epsilon_micros();
  OPTIN_TRY(privacy::AuditLog::Append(conn, now, "hq.batch_released",
                                      boost::json::object{{"batch_id", out.batch_id},
                                                          {"period_start", start},
                                                          {"period_end", end},
                                                          {"epsilon_micros", out.epsilon_micros},
                                                          {"manual", manual}}));
  OPTIN_TRY(
      conn.Execute("INSERT INTO sync_periods(period_start, period_end, day, outcome, "
                   "epsilon_micros, decided_at) VALUES (?, ?, ?, 'released', ?, ?)",
                   start, end, day, out.epsilon_micros, now));
  // The period's events are done with: the row just written marks them so (ReleasedUntil), and
  // DeleteReleasedEvents removes them later, a chunk at a time.
  return out;
}

Result<int64_t> Aggregator::FirstStart(store::Connection& conn, int64_t closed_end) const {
  // The first release starts with the period of the oldest event waiting, so that each event is
  // released in its own period.
  const int64_t p = policy_.period_seconds();
  OPTIN_ASSIGN_OR_RETURN(auto stmt, conn.Prepare("SELECT min(at) FROM sync_events"));
  OPTIN_TRY(stmt.Step());
  int64_t start = closed_end - p;
  if (!stmt.ColumnIsNull(0)) start = std::min(start, FloorDiv(stmt.ColumnInt(0), p) * p);
  return start;
}

Result<bool> Aggregator::MoreToRelease(store::Connection& conn) const {
  const int64_t p = policy_.period_seconds();
  const int64_t closed_end = FloorDiv(clock_.NowUnix(), p) * p;
  OPTIN_ASSIGN_OR_RETURN(const int64_t released_until, ReleasedUntil(conn));
  return released_until == std::numeric_limits<int64_t>::min() || released_until < closed_end;
}

Result<std::vector<PeriodOutcome>> Aggregator::ReleaseClosedPeriods(store::Connection& conn) const {
  const int64_t now = clock_.NowUnix();
  const int64_t p = policy_.period_seconds();
  const int64_t closed_end = FloorDiv(now, p) * p;  // end of the latest closed period
  OPTIN_ASSIGN_OR_RETURN(const int64_t released_until, ReleasedUntil(conn));
  int64_t start = released_until;
  if (released_until == std::numeric_limits<int64_t>::min()) {
    OPTIN_ASSIGN_OR_RETURN(start, FirstStart(conn, closed_end));
  }
  std::vector<PeriodOutcome> outcomes;
  // Each missed period on its own, in order; a start off the period grid (after a manual
  // release or a change of period length) runs to the next boundary.
  while (start < closed_end &&
         static_cast<int64_t>(outcomes.size()) < policy_.max_catch_up_periods) {
    const int64_t end = (FloorDiv(start, p) + 1) * p;
    OPTIN_ASSIGN_OR_RETURN(PeriodOutcome o, ReleasePeriod(conn, start, end, now, false));
    outcomes.push_back(std::move(o));
    start = end;
  }
  return outcomes;
}

Result<std::vector<PeriodOutcome>> Aggregator::ReleaseNow(store::Connection& conn) const {
  std::vector<PeriodOutcome> outcomes;
  for (;;) {
    OPTIN_ASSIGN_OR_RETURN(auto closed, ReleaseClosedPeriods(conn));
    if (closed.empty()) break;
    outcomes.insert(outcomes.end(), closed.begin(), closed.end());
  }
  const int64_t now = clock_.NowUnix();
  const int64_t p = policy_.period_seconds();
  OPTIN_ASSIGN_OR_RETURN(const int64_t released_until, ReleasedUntil(conn));
  const int64_t start = released_until == std::numeric_limits<int64_t>::min()
                            ? FloorDiv(now, p) * p
                            : std::max(released_until, FloorDiv(now, p) * p);
  if (now <= start) {
    // The current period is not a second old: the periods that just closed are what "now"
    // releases, when this call released them; otherwise everything up to now is out already.
    if (!outcomes.empty()) return outcomes;
    return Fail(ErrorCode::kFailedPrecondition,
                "Nothing to release: everything up to now (" + std::to_string(start) +
                    ") is released already. Ask again in a second.",
                {}, "nothing-to-release");
  }
  const int64_t day = FloorDiv(start, 86'400);
  OPTIN_ASSIGN_OR_RETURN(const int64_t spent, SpentOnDay(conn, day));
  // This release, the rest of the current period, and every later period of the day.
  const int64_t period_cost = policy_.period_epsilon_micros();
  const int64_t later_periods = ((day + 1) * 86'400 - NextCloseAfter(now)) / p;
  const int64_t needed = period_cost * (2 + later_periods);
  if (spent + needed > policy_.epsilon_per_day_micros) {
    return Fail(ErrorCode::kFailedPrecondition,
                "Today's budget has no room for a manual release: " + FormatEpsilonMicros(spent) +
                    " of epsilon_per_day " + FormatEpsilonMicros(policy_.epsilon_per_day_micros) +
                    " is spent, and this release (" + FormatEpsilonMicros(period_cost) +
                    ") plus the rest of the day's periods would need " +
                    FormatEpsilonMicros(needed) +
                    ". Leave room by setting sync.epsilon_per_day above the sum of the "
                    "[sync.budget] shares (tools/run --with-hq does), or wait for the period "
                    "to close.",
                {}, "budget-exhausted");
  }
  OPTIN_ASSIGN_OR_RETURN(PeriodOutcome o, ReleasePeriod(conn, start, now, now, true));
  outcomes.push_back(std::move(o));
  return outcomes;
}

Result<ReleaseStatus> Aggregator::ReadStatus(store::Connection& conn) const {
  ReleaseStatus s;
  const int64_t now = clock_.NowUnix();
  const int64_t today = FloorDiv(now, 86'400);
  s.epsilon_per_day_micros = policy_.epsilon_per_day_micros;
  s.budgeted_epsilon_per_day_micros = policy_.budgeted_epsilon_per_day_micros();
  OPTIN_ASSIGN_OR_RETURN(auto counts,
                         conn.Prepare("SELECT count(*) FILTER (WHERE outcome = 'released'), "
                                      "count(*) FILTER (WHERE outcome = 'released' AND day = ?), "
                                      "coalesce(sum(epsilon_micros) FILTER (WHERE day = ?), 0) "
                                      "FROM sync_periods"));
  counts.BindAll(today, today);
  OPTIN_TRY(counts.Step());
  s.periods_released = counts.ColumnInt(0);
  s.periods_released_today = counts.ColumnInt(1);
  s.epsilon_spent_today_micros = counts.ColumnInt(2);
  OPTIN_ASSIGN_OR_RETURN(auto last, conn.Prepare("SELECT period_end, decided_at FROM sync_periods "
                                                 "ORDER BY period_start DESC LIMIT 1"));
  OPTIN_ASSIGN_OR_RETURN(bool row, last.Step());
  if (row) {
    s.last_period_end = last.ColumnInt(0);
    s.last_decided_at = last.ColumnInt(1);
  }
  OPTIN_ASSIGN_OR_RETURN(auto pending,
                         conn.Prepare("SELECT count(*) FROM sync_events WHERE at >= ?"));
  pending.BindAll(row ? s.last_period_end : std::numeric_limits<int64_t>::min());
  OPTIN_TRY(pending.Step());
  s.pending_events = pending.ColumnInt(0);
  return s;
}

}  // namespace optin::sync
