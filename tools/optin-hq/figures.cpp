#include "tools/optin-hq/figures.h"

#include <algorithm>
#include <map>
#include <set>

#include "sync/sync_policy.h"
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
  std::optional<std::set<std::string>> scope;
  if (req.scope.kind == FigureScope::Kind::kRegion) {
    if (stores == nullptr) return Bad("region", "no stores file is loaded: regions are unknown");
    scope.emplace();
    for (const StoreInfo& s : stores->stores()) {
      if (s.region == req.scope.value) scope->insert(s.id);
    }
    if (scope->empty()) return Bad("region", "no store is in region '" + req.scope.value + "'");
  } else if (req.scope.kind == FigureScope::Kind::kStore) {
    scope = std::set<std::string>{req.scope.value};
  }
  auto in_scope = [&scope](const std::string& id) { return !scope || scope->contains(id); };
  const std::optional<std::string> store_filter =
      req.scope.kind == FigureScope::Kind::kStore ? std::optional(req.scope.value) : std::nullopt;

  Figures out;
  out.request = req;
  out.stores_known = stores != nullptr;
  std::map<int64_t, FigurePeriod> periods;
  for (int64_t d = req.from_day; d <= req.to_day; ++d) {
    const int64_t p = PeriodStart(req.by, d);
    periods[p].period_day = p;
  }
  OPTIN_ASSIGN_OR_RETURN(auto rows, store.SumCells(FiguresQuery{req.metric, req.label, req.from_day,
                                                                req.to_day, store_filter}));
  for (const FigureRow& r : rows) {
    if (!in_scope(r.store_id)) continue;
    FigurePeriod& p = periods[PeriodStart(req.by, r.day)];
    p.estimate += r.value_sum;
    p.variance += r.variance_sum;
  }

  // Reported, expected and missing, per period.
  OPTIN_ASSIGN_OR_RETURN(ReportingDays reporting, store.ReportingStores(req.from_day, req.to_day));
  std::map<int64_t, std::set<std::string>> reported, expected, missing;
  for (const auto& [day, ids] : reporting) {
    for (const std::string& id : ids) {
      if (in_scope(id)) reported[PeriodStart(req.by, day)].insert(id);
    }
  }
  if (stores != nullptr) {
    static const std::set<std::string> kNobody;
    for (int64_t d = req.from_day; d <= req.to_day; ++d) {
      const int64_t p = PeriodStart(req.by, d);
      auto it = reporting.find(d);
      const std::set<std::string>& sent = it == reporting.end() ? kNobody : it->second;
      for (const StoreInfo& s : stores->stores()) {
        if (!in_scope(s.id) || !s.OpenOn(d)) continue;
        expected[p].insert(s.id);
        if (!sent.contains(s.id) && d < req.due_before_day) {
          missing[p].insert(s.id);
          ++periods[p].missing_store_days;
        }
      }
    }
  }
  for (auto& [p, row] : periods) {
    row.stores_reported = static_cast<int64_t>(reported[p].size());
    row.stores_expected = static_cast<int64_t>(expected[p].size());
    row.missing.assign(missing[p].begin(), missing[p].end());
  }

  // Time to claim: the quantiles from the histogram's bins, per period.
  if (req.metric == kTimeToClaimMetric && !req.label) {
    std::map<int64_t, std::vector<HistogramBin>> hist;
    double lo = 0;
    std::vector<HistogramBin> shape;
    for (const sync::ClaimBucket& b : sync::kClaimBuckets) {
      shape.push_back(HistogramBin{lo, static_cast<double>(b.below_seconds), 0, 0});
      lo = static_cast<double>(b.below_seconds);
    }
    for (auto& [p, row] : periods) hist[p] = shape;
    for (size_t i = 0; i < std::size(sync::kClaimBuckets); ++i) {
      OPTIN_ASSIGN_OR_RETURN(
          auto bin_rows,
          store.SumCells(FiguresQuery{req.metric, std::string(sync::kClaimBuckets[i].label),
                                      req.from_day, req.to_day, store_filter}));
      for (const FigureRow& r : bin_rows) {
        if (!in_scope(r.store_id)) continue;
        HistogramBin& b = hist[PeriodStart(req.by, r.day)][i];
        b.count += static_cast<double>(r.value_sum);
        b.variance += r.variance_sum;
      }
    }
    for (auto& [p, row] : periods) {
      row.median = EstimateQuantile(hist[p], 0.5);
      row.p90 = EstimateQuantile(hist[p], 0.9);
    }
  }
  for (auto& [p, row] : periods) out.rows.push_back(std::move(row));
  return out;
}

}  // namespace optin::hq
