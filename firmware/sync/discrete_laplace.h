// Exact integer noise for differential privacy: the discrete Laplace (two-sided geometric)
// distribution, P(x) proportional to exp(-|x| / scale), with a rational scale. Sampled with the
// method of Canonne, Kamath and Steinke (2020): Bernoulli(exp(-gamma)) for rational gamma, then
// a geometric variable, then a sign, using only integer arithmetic and Random::Uniform, so that
// no floating-point rounding shapes (and leaks through) the noise. Immutable; thread-safe when
// the Random is.
#pragma once

#include <cstdint>

#include "platform/random.h"

namespace optin::sync {

// True with probability exp(-num/den); num >= 0, den >= 1.
bool BernoulliExpNeg(platform::Random& random, uint64_t num, uint64_t den);

class DiscreteLaplace {
 public:
  // scale = scale_num / scale_den; both >= 1 (checked: 0 becomes 1).
  DiscreteLaplace(uint64_t scale_num, uint64_t scale_den);

  int64_t Sample(platform::Random& random) const;

  uint64_t scale_num() const { return num_; }
  uint64_t scale_den() const { return den_; }
  // 2p / (1-p)^2 with p = exp(-1/scale): for tests and reports only, never for sampling.
  double Variance() const;

 private:
  uint64_t num_;
  uint64_t den_;
};

}  // namespace optin::sync
