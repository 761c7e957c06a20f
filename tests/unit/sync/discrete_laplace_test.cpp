#include "sync/discrete_laplace.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "platform/random.h"

namespace optin::sync::discrete_laplace_test {
namespace {

// exp(-1/2) ~ 0.6065, exp(-3/2) ~ 0.2231: the frequency over 200,000 draws is within 0.005
// (more than 4 standard deviations) for this seed.
TEST(DiscreteLaplaceTest, BernoulliExpNegHasTheRightFrequency) {
  platform::SeededRandom random(7);
  for (auto [num, den] : {std::pair<uint64_t, uint64_t>{1, 2}, {3, 2}, {0, 5}, {7, 7}}) {
    int hits = 0;
    const int n = 200'000;
    for (int i = 0; i < n; ++i) hits += BernoulliExpNeg(random, num, den);
    const double expected = std::exp(-static_cast<double>(num) / static_cast<double>(den));
    EXPECT_NEAR(static_cast<double>(hits) / n, expected, 0.005) << num << "/" << den;
  }
}

// The sample variance over 200,000 draws matches 2p/(1-p)^2, p = exp(-1/scale). The standard
// error of the sample variance of a Laplace-like law is about sqrt(5)·Var/sqrt(n) ~ 0.5% of the
// variance; a 3% tolerance is > 5 standard errors, and the seed makes the test deterministic.
TEST(DiscreteLaplaceTest, SampledVarianceMatchesTheory) {
  platform::SeededRandom random(20240601);
  struct Case {
    uint64_t num, den;
  };
  for (Case c : {Case{3, 1}, Case{6'000'000, 41'666}, Case{10, 4}}) {
    DiscreteLaplace laplace(c.num, c.den);
    const int n = 200'000;
    double sum = 0, sum_sq = 0;
    for (int i = 0; i < n; ++i) {
      const double x = static_cast<double>(laplace.Sample(random));
      sum += x;
      sum_sq += x * x;
    }
    const double mean = sum / n;
    const double variance = sum_sq / n - mean * mean;
    const double theory = laplace.Variance();
    EXPECT_NEAR(variance / theory, 1.0, 0.03)
        << c.num << "/" << c.den << ": " << variance << " vs " << theory;
    EXPECT_NEAR(mean, 0.0, 5 * std::sqrt(theory / n)) << c.num << "/" << c.den;
  }
}

// P(0) = (1-p)/(1+p) and P(k) = P(-k): the law is symmetric and zero is not counted twice.
TEST(DiscreteLaplaceTest, ProbabilityOfZeroAndSymmetry) {
  platform::SeededRandom random(99);
  DiscreteLaplace laplace(2, 1);
  std::map<int64_t, int> counts;
  const int n = 200'000;
  for (int i = 0; i < n; ++i) ++counts[laplace.Sample(random)];
  const double p = std::exp(-0.5);
  EXPECT_NEAR(static_cast<double>(counts[0]) / n, (1 - p) / (1 + p), 0.005);
  for (int k = 1; k <= 3; ++k) {
    EXPECT_NEAR(static_cast<double>(counts[k]) / n, static_cast<double>(counts[-k]) / n, 0.006)
        << k;
  }
}

}  // namespace
}  // namespace optin::sync::discrete_laplace_test
