#include "sync/aggregator.h"

#include <boost/json/object.hpp>
#include <limits>
#include <unordered_map>

#include "privacy/audit_log.h"
#include "sync/discrete_laplace.h"

namespace optin::sync {
namespace {

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

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

NoiseParameters Aggregator::Noise() const {
  NoiseParameters n;
  n.sensitivity = policy_.caps.sum();
  n.epsilon_micros = policy_.period_epsilon_micros();
  n.checkins_cap = policy_.caps.checkins;
  n.help_requests_cap = policy_.caps.help_requests;
  n.claims_cap = policy_.caps.claims;
  n.offer_views_cap = policy_.caps.offer_views;
  if (mode_ == NoiseMode::kExactForTests) {
    n.mechanism = "none";
    n.suppress_below = 0;
    return n;
  }
  // scale = sensitivity / epsilon = sensitivity * 10^6 / epsilon_micros, kept as a fraction.
  n.scale_num = static_cast<uint64_t>(std::max<int64_t>(1, n.sensitivity)) * 1'000'000u;
  n.scale_den = static_cast<uint64_t>(std::max<int64_t>(1, n.epsilon_micros));
  n.suppress_below = policy_.suppress_below;
  return n;
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
  auto domain = [&cells](std::string_view metric, const auto& labels) {
    auto& m = cells[std::string(metric)];
    for (const auto& l : labels) m[std::string(l)] = 0;
    m[std::string(kOtherLabel)] = 0;
  };
  domain(kCheckinsByChannel, policy_.channels);
  domain(kHelpRequestsByTopic, policy_.topics);
  domain(kOfferViewsByCategory, policy_.offer_categories);
  {
    auto& m = cells[std::string(kTimeToClaim)];
    for (const ClaimBucket& b : kClaimBuckets) m[std::string(b.label)] = 0;
  }
  // Each subject's first `cap` events of each metric count (in time order); the rest are
  // dropped. One pass over the time index, counting per (subject, metric) in memory.
  OPTIN_ASSIGN_OR_RETURN(auto stmt,
                         conn.Prepare("SELECT subject_id, metric, label FROM sync_events "
                                      "INDEXED BY sync_events_by_time WHERE at >= ? AND "
                                      "at < ? ORDER BY at, id"));
  stmt.BindAll(from, before);
  auto cap_of = [this](std::string_view metric) -> int64_t {
    if (metric == kCheckinsByChannel) return policy_.caps.checkins;
    if (metric == kHelpRequestsByTopic) return policy_.caps.help_requests;
    if (metric == kTimeToClaim) return policy_.caps.claims;
    if (metric == kOfferViewsByCategory) return policy_.caps.offer_views;
    return 0;
  };
  std::unordered_map<std::string, int64_t> taken;
  int64_t total = 0;
  std::string key;
  for (;;) {
    OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    const std::string metric_name = stmt.ColumnText(1);
    auto metric = cells.find(metric_name);
    if (metric == cells.end()) continue;  // a metric this version does not report
    key = stmt.ColumnText(0);
    key += '\x1f';
    key += metric_name;
    int64_t& n = taken[key];
    if (n >= cap_of(metric_name)) continue;
    ++n;
    auto cell = metric->second.find(stmt.ColumnText(2));
    if (cell == metric->second.end()) cell = metric->second.find(std::string(kOtherLabel));
    if (cell == metric->second.end()) continue;
    ++cell->second;
    ++total;
  }
  if (events) *events = total;
  return cells;
}

Result<PeriodOutcome> Aggregator::ReleasePeriod(store::Connection& conn, int64_t from,
                                                int64_t start, int64_t end, int64_t now) const {
  PeriodOutcome out;
  out.period_start = start;
  out.period_end = end;
  const int64_t day = FloorDiv(start, 86'400);
  const NoiseParameters noise = Noise();
  OPTIN_ASSIGN_OR_RETURN(auto spent_stmt,
                         conn.Prepare("SELECT coalesce(sum(epsilon_micros), 0) FROM sync_periods "
                                      "WHERE day = ?"));
  spent_stmt.BindAll(day);
  OPTIN_TRY(spent_stmt.Step());
  const int64_t spent = spent_stmt.ColumnInt(0);

  if (spent + noise.epsilon_micros > policy_.epsilon_per_day_micros) {
    out.outcome = "over-budget";
  } else {
    OPTIN_ASSIGN_OR_RETURN(Cells cells, CountEvents(conn, from, end, &out.events));
    if (mode_ == NoiseMode::kPrivate) {
      const DiscreteLaplace laplace(noise.scale_num, noise.scale_den);
      for (auto& [metric, labels] : cells) {
        for (auto& [label, count] : labels) count += laplace.Sample(random_);
      }
    }
    BatchContent content;
    content.store_id = policy_.store_id;
    content.period_start = start;
    content.period_end = end;
    content.software_version = policy_.software_version;
    OPTIN_ASSIGN_OR_RETURN(privacy::AuditVerification audit, privacy::AuditLog::Verify(conn));
    content.audit_head = audit.head_hash;
    content.audit_intact = audit.intact;
    content.created_at = now;
    content.noise = noise;
    content.cells = std::move(cells);
    OPTIN_ASSIGN_OR_RETURN(std::string jws, signer_(BatchPayload(content)));
    OPTIN_TRY(outbox_.Enqueue(conn, content, jws));
    out.outcome = "released";
    out.batch_id = BatchId(content.store_id, start, end);
    out.epsilon_micros = noise.epsilon_micros;
    OPTIN_TRY(
        privacy::AuditLog::Append(conn, now, "hq.batch_released",
                                  boost::json::object{{"batch_id", out.batch_id},
                                                      {"period_start", start},
                                                      {"period_end", end},
                                                      {"epsilon_micros", out.epsilon_micros}}));
  }
  OPTIN_TRY(
      conn.Execute("INSERT INTO sync_periods(period_start, period_end, day, outcome, "
                   "epsilon_micros, decided_at) VALUES (?, ?, ?, ?, ?, ?)",
                   start, end, day, out.outcome, out.epsilon_micros, now));
  // Released or not, the period's events are done with: the row just written marks them so
  // (ReleasedUntil), and DeleteReleasedEvents removes them later, a chunk at a time.
  return out;
}

Result<std::vector<PeriodOutcome>> Aggregator::ReleaseClosedPeriods(store::Connection& conn) const {
  const int64_t now = clock_.NowUnix();
  const int64_t p = policy_.period_seconds();
  const int64_t closed_end = FloorDiv(now, p) * p;  // end of the latest closed period
  OPTIN_ASSIGN_OR_RETURN(const int64_t released_until, ReleasedUntil(conn));
  const bool first = released_until == std::numeric_limits<int64_t>::min();
  int64_t next_start = first ? closed_end - p : std::max<int64_t>(released_until, 0);
  std::vector<PeriodOutcome> outcomes;
  if (next_start + p > closed_end) return outcomes;  // nothing closed (or the clock went back)
  // Align a start left over from another period length.
  if (FloorDiv(next_start, p) * p != next_start) next_start = (FloorDiv(next_start, p) + 1) * p;
  const int64_t oldest_allowed = closed_end - policy_.max_catch_up_periods * p;
  if (next_start < oldest_allowed) {
    OPTIN_TRY(
        conn.Execute("INSERT INTO sync_periods(period_start, period_end, day, outcome, "
                     "epsilon_micros, decided_at) VALUES (?, ?, ?, 'skipped', 0, ?)",
                     next_start, oldest_allowed, FloorDiv(next_start, 86'400), now));
    outcomes.push_back(PeriodOutcome{next_start, oldest_allowed, "skipped", {}, 0, 0});
    next_start = oldest_allowed;
  }
  // The first period also counts what is left from before it (a skipped stretch, events stamped
  // before the first period); each later one starts where the previous ended.
  int64_t from = released_until;
  for (int64_t s = next_start; s + p <= closed_end; s += p) {
    OPTIN_ASSIGN_OR_RETURN(PeriodOutcome o, ReleasePeriod(conn, from, s, s + p, now));
    from = s + p;
    outcomes.push_back(std::move(o));
  }
  return outcomes;
}

}  // namespace optin::sync
