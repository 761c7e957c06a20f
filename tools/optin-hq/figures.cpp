#include "tools/optin-hq/figures.h"

#include <algorithm>
#include <map>
#include <span>

#include "sync/sync_policy.h"
#include "tools/optin-hq/missing_stores.h"
#include "tools/optin-hq/utc_day.h"

namespace optin::hq {
namespace {

std::unexpected<Error> Bad(std::string field, std::string what) {
  return Fail(ErrorCode::kInvalidArgument, std::move(what), std::move(field), "invalid-parameter");
}

int64_t FloorMod(int64_t a, int64_t b) { return ((a % b) + b) % b; }

}  // namespace

std::optional<Grouping> ParseGrouping(std::string_view text) {
  if (text == "day") return Grouping::kDay;
  if (text == "week") return Grouping::kWeek;
  if (text == "month") return Grouping::kMonth;
  return std::nullopt;
}

std::string_view GroupingName(Grouping g) {
  switch (g) {
    case Grouping::kWeek:
      return "week";
    case Grouping::kMonth:
      return "month";
    default:
      return "day";
  }
}

int64_t PeriodStart(Grouping g, int64_t day) {
  switch (g) {
    case Grouping::kWeek:
      return day - FloorMod(day + 3, 7);  // 1970-01-01 was a Thursday
    case Grouping::kMonth: {
      const std::string iso = FormatIsoDate(day);  // YYYY-MM-DD
      return ParseIsoDate(iso.substr(0, 8) + "01").value_or(day);
    }
    default:
      return day;
  }
}

std::vector<std::string_view> KnownMetrics() {
  std::vector<std::string_view> out;
  for (const sync::MetricSpec& m : sync::kMetricSpecs) out.push_back(m.metric);
  return out;
}

Result<Figures> ComputeFigures(HqStore& store, const StoreDirectory* stores,
                               const FiguresRequest& req) {
  const auto metrics = KnownMetrics();
  if (std::find(metrics.begin(), metrics.end(), req.metric) == metrics.end()) {
    std::string list;
    for (std::string_view m : metrics) list += (list.empty() ? "" : ", ") + std::string(m);
    return Bad("metric", "unknown metric '" + req.metric + "' (one of " + list + ")");
  }
  if (req.to_day < req.from_day) return Bad("to", "'to' must not be before 'from'");
  if (req.to_day - req.from_day + 1 > kMaxFigureDays) {
    return Bad("to", "at most " + std::to_string(kMaxFigureDays) + " days in one query");
  }
  // The stores in scope (nullopt: every store, listed or not).
  std::optional<std::vector<std::string>> scope;
  if (req.scope.kind == FigureScope::Kind::kRegion) {
    if (stores == nullptr) return Bad("region", "no stores file is loaded: regions are unknown");
    scope.emplace();
    for (const StoreInfo& s : stores->stores()) {
      if (s.region == req.scope.value) scope->push_back(s.id);
    }
    if (scope->empty()) return Bad("region", "no store is in region '" + req.scope.value + "'");
  } else if (req.scope.kind == FigureScope::Kind::kStore) {
    scope = std::vector<std::string>{req.scope.value};
  }

  // The periods, and which one each day of the range falls in.
  Figures out;
  out.request = req;
  out.stores_known = stores != nullptr;
  std::vector<size_t> period_of;  // by day - from_day
  for (int64_t d = req.from_day; d <= req.to_day; ++d) {
    const int64_t p = PeriodStart(req.by, d);
    if (out.rows.empty() || out.rows.back().period_day != p) {
      out.rows.push_back(FigurePeriod{});
      out.rows.back().period_day = p;
    }
    period_of.push_back(out.rows.size() - 1);
  }
  auto period = [&](int64_t day) -> size_t {
    return period_of[static_cast<size_t>(day - req.from_day)];
  };
  // The days of period i inside the range.
  auto first_in = [&](size_t i) { return std::max(out.rows[i].period_day, req.from_day); };
  auto last_in = [&](size_t i) {
    return i + 1 < out.rows.size() ? out.rows[i + 1].period_day - 1 : req.to_day;
  };

  std::optional<std::string> region;
  if (req.scope.kind == FigureScope::Kind::kRegion) region = req.scope.value;
  OPTIN_ASSIGN_OR_RETURN(auto sums, store.SumByDay(FiguresQuery{req.metric, req.label, req.from_day,
                                                                req.to_day, scope, region}));
  for (const DaySum& d : sums) {
    FigurePeriod& p = out.rows[period(d.day)];
    p.estimate += d.value_sum;
    p.variance += d.variance_sum;
  }

  // Reported: stores with a batch for a day of the period (each store once per period).
  OPTIN_ASSIGN_OR_RETURN(std::vector<ReportedRun> runs,
                         store.ReportedRuns(req.from_day, req.to_day, scope));
  std::map<std::string_view, std::span<const ReportedRun>> runs_of;
  std::vector<int64_t> counted_for(out.rows.size(), -1);  // the last store counted, by index
  for (size_t i = 0, store_index = 0; i < runs.size(); ++store_index) {
    size_t j = i;
    while (j < runs.size() && runs[j].store_id == runs[i].store_id) ++j;
    runs_of.emplace(runs[i].store_id, std::span<const ReportedRun>(runs).subspan(i, j - i));
    for (; i < j; ++i) {
      const int64_t a = std::max(runs[i].first_day, req.from_day);
      const int64_t b = std::min(runs[i].last_day, req.to_day);
      if (a > b) continue;
      for (size_t p = period(a); p <= period(b); ++p) {
        if (counted_for[p] == static_cast<int64_t>(store_index)) continue;
        counted_for[p] = static_cast<int64_t>(store_index);
        ++out.rows[p].stores_reported;
      }
    }
  }

  // Expected (open on a day of the period) and missing (open on a day it sent nothing for, once
  // the day is due), for the listed stores in scope, by id.
  if (stores != nullptr) {
    std::vector<const StoreInfo*> listed;
    for (const StoreInfo& s : stores->stores()) {
      const bool in_scope =
          req.scope.kind == FigureScope::Kind::kChain ||
          (req.scope.kind == FigureScope::Kind::kRegion ? s.region == req.scope.value
                                                        : s.id == req.scope.value);
      if (in_scope) listed.push_back(&s);
    }
    std::sort(listed.begin(), listed.end(),
              [](const StoreInfo* a, const StoreInfo* b) { return a->id < b->id; });
    const int64_t due_to = std::min(req.to_day, req.due_before_day - 1);
    for (const StoreInfo* s : listed) {
      const int64_t open_from = std::max(req.from_day, s->opened_day);
      const int64_t open_to = s->closed_day ? std::min(req.to_day, *s->closed_day - 1) : req.to_day;
      if (open_from > open_to) continue;
      for (size_t p = period(open_from); p <= period(open_to); ++p) ++out.rows[p].stores_expected;
      auto it = runs_of.find(s->id);
      const auto own = it == runs_of.end() ? std::span<const ReportedRun>() : it->second;
      for (const DayRun& gap : MissingDays(*s, own, req.from_day, due_to)) {
        for (size_t p = period(gap.first_day); p <= period(gap.last_day); ++p) {
          FigurePeriod& row = out.rows[p];
          row.missing_store_days +=
              std::min(gap.last_day, last_in(p)) - std::max(gap.first_day, first_in(p)) + 1;
          if (row.missing.empty() || row.missing.back() != s->id) row.missing.push_back(s->id);
        }
      }
    }
  }

  // Time to claim: the quantiles from the histogram's bins, per period.
  if (req.metric == kTimeToClaimMetric && !req.label) {
    std::vector<HistogramBin> shape;
    double lo = 0;
    for (const sync::ClaimBucket& b : sync::kClaimBuckets) {
      shape.push_back(HistogramBin{lo, static_cast<double>(b.below_seconds), 0, 0});
      lo = static_cast<double>(b.below_seconds);
    }
    std::vector<std::vector<HistogramBin>> hist(out.rows.size(), shape);
    for (size_t i = 0; i < std::size(sync::kClaimBuckets); ++i) {
      OPTIN_ASSIGN_OR_RETURN(
          auto bin_sums,
          store.SumByDay(FiguresQuery{req.metric, std::string(sync::kClaimBuckets[i].label),
                                      req.from_day, req.to_day, scope, std::nullopt}));
      for (const DaySum& d : bin_sums) {
        HistogramBin& b = hist[period(d.day)][i];
        b.count += static_cast<double>(d.value_sum);
        b.variance += d.variance_sum;
      }
    }
    for (size_t p = 0; p < out.rows.size(); ++p) {
      out.rows[p].median = EstimateQuantile(hist[p], 0.5);
      out.rows[p].p90 = EstimateQuantile(hist[p], 0.9);
    }
  }
  return out;
}

}  // namespace optin::hq
