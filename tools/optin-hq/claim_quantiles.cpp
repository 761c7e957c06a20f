#include "tools/optin-hq/claim_quantiles.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace optin::hq {
namespace {

constexpr double kZ95 = 1.959963984540054;

struct Crossing {
  double d = 0;         // D(x)
  double variance = 0;  // Var D(x)
};

Crossing At(std::span<const HistogramBin> bins, double q, double x) {
  Crossing c;
  for (const HistogramBin& b : bins) {
    double w = 0;
    if (b.hi > b.lo) {
      w = std::clamp((x - b.lo) / (b.hi - b.lo), 0.0, 1.0);
    }  // an open-ended bin is never below any x of the grid
    const double k = w - q;
    c.d += k * b.count;
    c.variance += k * k * b.variance;
  }
  return c;
}

}  // namespace

QuantileFigure EstimateQuantile(std::span<const HistogramBin> bins, double q) {
  QuantileFigure out;
  if (bins.empty()) return out;
  double total = 0;
  for (const HistogramBin& b : bins) total += b.count;
  if (!(total > 0)) return out;
  const double bottom = bins.front().lo;
  const bool open = bins.back().hi <= bins.back().lo;
  const double top = open ? bins.back().lo : bins.back().hi;
  // A one-second grid over the finite part (the buckets are whole seconds).
  const int steps = std::max(1, static_cast<int>(std::ceil(top - bottom)));
  std::vector<Crossing> grid(static_cast<size_t>(steps) + 1);
  for (int i = 0; i <= steps; ++i) grid[static_cast<size_t>(i)] = At(bins, q, bottom + i);

  // The estimate: the first crossing of D from below 0 to 0 or above.
  std::optional<double> estimate;
  for (int i = 0; i <= steps && !estimate; ++i) {
    const double d = grid[static_cast<size_t>(i)].d;
    if (d >= 0) {
      if (i == 0) {
        estimate = bottom;
      } else {
        const double prev = grid[static_cast<size_t>(i) - 1].d;
        estimate = bottom + (i - 1) + (-prev) / (d - prev);
      }
    }
  }
  if (!estimate) {
    estimate = top;  // the quantile lies in the open-ended bin
    out.at_least = true;
  }
  out.estimate = *estimate;

  // The interval: every grid point the test does not reject.
  std::optional<int> lo, hi;
  for (int i = 0; i <= steps; ++i) {
    const Crossing& c = grid[static_cast<size_t>(i)];
    if (c.d * c.d <= kZ95 * kZ95 * c.variance) {
      if (!lo) lo = i;
      hi = i;
    }
  }
  double low = lo ? bottom + *lo : *estimate;
  low = std::min(low, *estimate);
  out.low95 = low;
  const bool unbounded = out.at_least || (open && hi && *hi == steps);
  if (!unbounded) {
    const double high = hi ? bottom + *hi : *estimate;
    out.high95 = std::max(high, *estimate);
  }
  return out;
}

}  // namespace optin::hq
