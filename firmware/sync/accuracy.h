// Error arithmetic for the discrete Laplace noise of HQ batches, for what states a figure's error
// (optinctl sync explain, the accuracy benchmark's HQ-side estimator): the variance of one cell
// and the 95% half-width of a sum of n independent cells of one scale, exact (by convolution of
// the exact distribution) while that is cheap, else from the normal approximation, which the
// sum of many cells follows. Pure functions; thread-safe.
#pragma once

#include <cstdint>

namespace optin::sync {

// Variance of one cell of scale `scale`: 2a/(1-a)^2 with a = exp(-1/scale).
double CellVariance(double scale);

// The smallest k with P(|X_1 + ... + X_n| <= k) >= 0.95 for n independent cells of `scale`
// (exact), or 1.96 * sqrt(n * variance) when the exact computation would be expensive.
double HalfWidth95(double scale, int64_t cells);

// The same for a sum whose total variance is known (cells of different scales, merged batches):
// the normal approximation 1.96 * sqrt(variance).
double HalfWidth95FromVariance(double variance);

}  // namespace optin::sync
