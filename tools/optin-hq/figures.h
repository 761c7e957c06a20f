// HQ's figures with their error, for one metric over a range of UTC days, grouped by day, ISO
// week (Monday first) or calendar month, for one store, one region or the whole chain: per
// period the unbiased estimate (the sum of the noisy cells of the stores that reported; never
// clamped), its variance (the sum of the cells' noise variances), how many stores were expected
// (open by the stores file) and reported, and which were missing (open on a day of the period and
// sent nothing for it: unknown, never zero). For time to claim also the median and the 90th
// percentile with 95% intervals (claim_quantiles.h). Reads through HqStore; thread-safe when it is.
#pragma once

#include <climits>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/error.h"
#include "tools/optin-hq/claim_quantiles.h"
#include "tools/optin-hq/hq_store.h"
#include "tools/optin-hq/store_directory.h"

namespace optin::hq {

enum class Grouping { kDay, kWeek, kMonth };
std::optional<Grouping> ParseGrouping(std::string_view text);  // "day", "week", "month"
std::string_view GroupingName(Grouping g);
// The first day of the period `day` falls in (the day, its week's Monday, its month's 1st).
int64_t PeriodStart(Grouping g, int64_t day);

// The metrics a batch carries (firmware/sync/sync_policy.h), in the order listed.
std::vector<std::string_view> KnownMetrics();
inline constexpr std::string_view kTimeToClaimMetric = "time_to_claim_seconds";
inline constexpr int64_t kMaxFigureDays = 1100;  // a query covers at most ~3 years

struct FigureScope {
  enum class Kind { kChain, kRegion, kStore };
  Kind kind = Kind::kChain;
  std::string value;  // the region or store id
};

struct FiguresRequest {
  std::string metric;
  std::optional<std::string> label;  // nullopt: the metric's labels summed
  Grouping by = Grouping::kDay;
  int64_t from_day = 0;  // inclusive
  int64_t to_day = 0;    // inclusive
  FigureScope scope;
  // A day's batch is due once the day is over: stores without a batch for a day from this one
  // on (today, when asked by the handler) are not counted missing (not yet).
  int64_t due_before_day = INT64_MAX;
};

struct FigurePeriod {
  int64_t period_day = 0;  // the period's first day (may precede from_day for weeks, months)
  int64_t estimate = 0;    // unbiased, may be negative
  double variance = 0;
  int64_t stores_reported = 0;       // stores in scope with a batch for at least one day of it
  int64_t stores_expected = 0;       // stores in scope open on at least one day of it
  std::vector<std::string> missing;  // open on a day of it with no batch for that day; sorted
  int64_t missing_store_days = 0;
  std::optional<QuantileFigure> median;  // time to claim only
  std::optional<QuantileFigure> p90;
};

struct Figures {
  FiguresRequest request;
  bool stores_known = false;  // a stores file is in force (else nobody can be told missing)
  std::vector<FigurePeriod> rows;
};

// kInvalidArgument naming the field ("metric", "region", "store", "to") for a request it cannot
// answer; the store's errors otherwise.
Result<Figures> ComputeFigures(HqStore& store, const StoreDirectory* stores,
                               const FiguresRequest& request);

}  // namespace optin::hq
