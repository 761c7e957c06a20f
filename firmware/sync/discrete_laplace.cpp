#include "sync/discrete_laplace.h"

#include <cmath>

namespace optin::sync {
namespace {

// True with probability num/den (num <= den).
bool Bernoulli(platform::Random& random, uint64_t num, uint64_t den) {
  return random.Uniform(den) < num;
}

// Bernoulli(exp(-num/den)) for 0 <= num/den <= 1 (CKS 2020, Algorithm 1, first case): draw
// A_k ~ Bernoulli(gamma / k) for k = 1, 2, ... until one is 0; the answer is whether that k is
// odd. Needs den * k not to overflow: k stays tiny (its tail falls like 1/k!).
bool BernoulliExpNegAtMostOne(platform::Random& random, uint64_t num, uint64_t den) {
  uint64_t k = 1;
  while (Bernoulli(random, num, den * k)) ++k;
  return (k % 2) == 1;
}

}  // namespace

bool BernoulliExpNeg(platform::Random& random, uint64_t num, uint64_t den) {
  if (den == 0) den = 1;
  // exp(-gamma) = exp(-1)^floor(gamma) * exp(-(gamma - floor(gamma))).
  const uint64_t whole = num / den;
  for (uint64_t i = 0; i < whole; ++i) {
    if (!BernoulliExpNegAtMostOne(random, 1, 1)) return false;
  }
  return BernoulliExpNegAtMostOne(random, num % den, den);
}

DiscreteLaplace::DiscreteLaplace(uint64_t scale_num, uint64_t scale_den)
    : num_(scale_num == 0 ? 1 : scale_num), den_(scale_den == 0 ? 1 : scale_den) {}

// CKS 2020, Algorithm 2, for scale t/s with t = num_ and s = den_: U uniform on [0, t) kept
// with probability exp(-U/t) and V geometric (count of exp(-1) successes) make X = U + t*V
// geometric with ratio exp(-1/t); Y = floor(X / s) is then geometric with ratio exp(-s/t); a
// fair sign (rejecting "-0" so that zero is not counted twice) gives the two-sided law.
int64_t DiscreteLaplace::Sample(platform::Random& random) const {
  for (;;) {
    const uint64_t u = random.Uniform(num_);
    if (!BernoulliExpNeg(random, u, num_)) continue;
    uint64_t v = 0;
    while (BernoulliExpNeg(random, 1, 1)) ++v;
    const uint64_t x = u + num_ * v;
    const uint64_t y = x / den_;
    const bool negative = random.Uniform(2) == 1;
    if (negative && y == 0) continue;
    return negative ? -static_cast<int64_t>(y) : static_cast<int64_t>(y);
  }
}

double DiscreteLaplace::Variance() const {
  const double p = std::exp(-static_cast<double>(den_) / static_cast<double>(num_));
  return 2.0 * p / ((1.0 - p) * (1.0 - p));
}

}  // namespace optin::sync
