#include "sync/accuracy.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace optin::sync {

double CellVariance(double scale) {
  if (scale <= 0) return 0.0;
  const double a = std::exp(-1.0 / scale);
  return 2.0 * a / ((1.0 - a) * (1.0 - a));
}

double HalfWidth95FromVariance(double variance) { return 1.96 * std::sqrt(std::max(0.0, variance)); }

double HalfWidth95(double scale, int64_t cells) {
  if (scale <= 0 || cells <= 0) return 0.0;
  const double a = std::exp(-1.0 / scale);
  // Truncate each cell where its two tails hold less than 1e-12.
  const int64_t k_max = static_cast<int64_t>(std::ceil(scale * std::log(1e12))) + 1;
  const int64_t width = 2 * k_max + 1;
  // The convolution costs about cells^2 * width^2 / 2 steps: beyond 5e7, the sum of that many
  // cells is normal enough.
  if (static_cast<double>(cells) * cells * width * width / 2 > 5e7) {
    return HalfWidth95FromVariance(static_cast<double>(cells) * CellVariance(scale));
  }
  std::vector<double> one(static_cast<size_t>(width));
  const double norm = (1.0 - a) / (1.0 + a);
  for (int64_t k = -k_max; k <= k_max; ++k) {
    one[static_cast<size_t>(k + k_max)] = norm * std::pow(a, static_cast<double>(std::abs(k)));
  }
  std::vector<double> sum = {1.0};
  for (int64_t c = 0; c < cells; ++c) {
    std::vector<double> next(sum.size() + one.size() - 1, 0.0);
    for (size_t i = 0; i < sum.size(); ++i) {
      if (sum[i] < 1e-300) continue;
      for (size_t j = 0; j < one.size(); ++j) next[i + j] += sum[i] * one[j];
    }
    sum.swap(next);
  }
  const size_t centre = sum.size() / 2;
  double inside = sum[centre];
  size_t k = 0;
  while (inside < 0.95 && k < centre) {
    ++k;
    inside += sum[centre - k] + sum[centre + k];
  }
  return static_cast<double>(k);
}

}  // namespace optin::sync
