// Quantiles (the median and the 90th percentile of time to claim) from a noisy histogram, with
// 95% intervals. Within a bin the values are taken as spread evenly (linear interpolation of the
// CDF). The estimate is where the interpolated count below x, C(x), crosses q*N (N the sum of
// all bins). The interval inverts the test of "the quantile is x" (Woodruff's method): with
// D(x) = C(x) - q*N = sum_i (w_i(x) - q) * n_i, where w_i(x) is the share of bin i below x,
// D's noise variance is sum_i (w_i(x) - q)^2 * v_i (the bins' noises are independent), and the
// interval is every x with |D(x)| <= 1.96 * sqrt(that variance). The last bin may be open-ended:
// a quantile there is "at least" its lower bound and its upper limit is unbounded. Pure
// functions; thread-safe.
#pragma once

#include <optional>
#include <span>

namespace optin::hq {

struct HistogramBin {
  double lo = 0;        // seconds, inclusive
  double hi = 0;        // seconds, exclusive; 0 for the open-ended last bin
  double count = 0;     // the noisy count (may be negative)
  double variance = 0;  // of its noise
};

struct QuantileFigure {
  std::optional<double> estimate;  // nullopt when the histogram holds nothing (N <= 0)
  std::optional<double> low95;
  std::optional<double> high95;  // nullopt also when unbounded (the open-ended bin)
  bool at_least = false;         // the estimate lies in the open-ended bin: "at least" it
};

// `bins` in ascending order, contiguous; q in (0, 1).
QuantileFigure EstimateQuantile(std::span<const HistogramBin> bins, double q);

}  // namespace optin::hq
