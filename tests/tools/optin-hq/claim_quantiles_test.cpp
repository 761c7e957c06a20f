// Quantiles of a noisy histogram with their 95% intervals (claim_quantiles.h), checked against
// values computed here by other means: the interpolated CDF by hand, and for large counts the
// delta method (the interval's half-width ~ 1.96 * sd(D(x)) / the density at x).
#include "tools/optin-hq/claim_quantiles.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace optin::hq::claim_quantiles_test {
namespace {

std::vector<HistogramBin> Bins(std::vector<double> counts, double variance) {
  const double edges[] = {0, 30, 60, 120, 300, 600, 1800};
  std::vector<HistogramBin> out;
  for (size_t i = 0; i < counts.size(); ++i) {
    const double hi = i + 1 < std::size(edges) ? edges[i + 1] : 0;  // the last is open-ended
    out.push_back(HistogramBin{edges[i], hi, counts[i], variance});
  }
  return out;
}

TEST(ClaimQuantilesTest, ExactCountsGiveTheInterpolatedQuantile) {
  auto bins = Bins({10, 10, 20, 0, 0, 0, 0}, 0);
  auto median = EstimateQuantile(bins, 0.5);
  ASSERT_TRUE(median.estimate);
  EXPECT_NEAR(*median.estimate, 60, 1e-9);
  auto p90 = EstimateQuantile(bins, 0.9);
  EXPECT_NEAR(*p90.estimate, 60 + (36.0 - 20) / 20 * 60, 1e-9);
  // No noise: the interval is the estimate (to the one-second grid).
  EXPECT_NEAR(*p90.low95, *p90.estimate, 1.0);
  EXPECT_NEAR(*p90.high95, *p90.estimate, 1.0);
}

TEST(ClaimQuantilesTest, TheIntervalMatchesTheDeltaMethodForLargeCounts) {
  // 0-30: 1000, 30-60: 3000, 60-120: 4000, 120-300: 2000 (N = 10,000), each with variance 800.
  const double v = 800;
  auto bins = Bins({1000, 3000, 4000, 2000, 0, 0, 0}, v);
  auto median = EstimateQuantile(bins, 0.5);
  // C(x) = 5000 at 60 + (5000 - 4000) / 4000 * 60 = 75 s.
  EXPECT_NEAR(*median.estimate, 75, 1e-9);
  // Var D(75) = sum (w_i - 0.5)^2 * v: w = 1, 1, 0.25, 0, 0, 0, 0.
  const double var_d = v * (0.25 + 0.25 + 0.0625 + 0.25 * 4);
  const double density = 4000.0 / 60;  // counts per second in 60-120
  const double half = 1.959964 * std::sqrt(var_d) / density;
  EXPECT_NEAR(*median.low95, 75 - half, 1.0);
  EXPECT_NEAR(*median.high95, 75 + half, 1.0);
  // More noise, a wider interval.
  auto noisier = EstimateQuantile(Bins({1000, 3000, 4000, 2000, 0, 0, 0}, 4 * v), 0.5);
  EXPECT_GT(*noisier.high95 - *noisier.low95, *median.high95 - *median.low95);
}

TEST(ClaimQuantilesTest, AQuantileInTheOpenBucketIsAtLeastItsBoundWithNoUpperLimit) {
  auto p90 = EstimateQuantile(Bins({1, 1, 1, 1, 1, 1, 50}, 2), 0.9);
  ASSERT_TRUE(p90.estimate);
  EXPECT_TRUE(p90.at_least);
  EXPECT_EQ(*p90.estimate, 1800);
  EXPECT_FALSE(p90.high95);
}

TEST(ClaimQuantilesTest, AnEmptyOrNegativeHistogramHasNoQuantile) {
  EXPECT_FALSE(EstimateQuantile(Bins({0, 0, 0, 0, 0, 0, 0}, 30), 0.5).estimate);
  EXPECT_FALSE(EstimateQuantile(Bins({-3, 1, 0, 0, 0, 0, 0}, 30), 0.5).estimate);
}

}  // namespace
}  // namespace optin::hq::claim_quantiles_test
