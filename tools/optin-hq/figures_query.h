// The question behind HQ's figures, asked of the cells table: for one metric (and optionally one
// label, else every label summed), over an inclusive range of UTC days, optionally for one store,
// the sums of the noisy values and of their variances (the variance of a sum of independent
// cells is the sum of their variances) per day and store. Value types; thread-compatible.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

namespace optin::hq {

struct FiguresQuery {
  std::string metric;
  std::optional<std::string> label;     // nullopt: all labels of the metric summed
  int64_t from_day = 0;                 // inclusive
  int64_t to_day = 0;                   // inclusive
  std::optional<std::string> store_id;  // nullopt: every store
};

// One (day, store) group. Rows come ordered by day, then store id.
struct FigureRow {
  int64_t day = 0;
  std::string store_id;
  int64_t value_sum = 0;  // unbiased: negative noisy values are summed as they are
  double variance_sum = 0.0;
  int64_t cells = 0;  // how many cells were summed
};

// day -> the stores that sent a batch covering (part of) that day.
using ReportingDays = std::map<int64_t, std::set<std::string>>;

}  // namespace optin::hq
