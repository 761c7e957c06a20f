// The questions behind HQ's figures, asked of the summary tables (summary_sql.h) that ingest keeps
// beside the cells: for one metric (one label, or every label summed), over an inclusive range of
// UTC days, for the chain, a set of stores or one store, the sums of the noisy values and of their
// variances per day (the variance of a sum of independent cells is the sum of their variances);
// and which days each store reported, as runs of consecutive days. Value types;
// thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace optin::hq {

struct FiguresQuery {
  std::string metric;
  std::optional<std::string> label;  // nullopt: all labels of the metric summed
  int64_t from_day = 0;              // inclusive
  int64_t to_day = 0;                // inclusive
  // nullopt: the whole chain (every store that sent, listed in the stores file or not);
  // otherwise these stores only (one store, or a region's).
  std::optional<std::vector<std::string>> stores;
  // For a region's figures (with `stores` its members): every label summed comes from the
  // region's summary when its members as assigned (HqStore::AssignRegions) are `stores`.
  std::optional<std::string> region;
};

// One day's sums over the stores asked for. Rows come ordered by day; days without cells are
// absent.
struct DaySum {
  int64_t day = 0;
  int64_t value_sum = 0;  // unbiased: negative noisy values are summed as they are
  double variance_sum = 0.0;
  int64_t cells = 0;  // how many cells were summed
};

// Consecutive UTC days [first_day, last_day] for each of which the store sent a batch covering
// (part of) the day. A store's runs never overlap or touch.
struct ReportedRun {
  std::string store_id;
  int64_t first_day = 0;
  int64_t last_day = 0;
};

}  // namespace optin::hq
