// Randomness for keys, tokens, nonces and noise. CtrDrbg is mbedTLS's CTR_DRBG seeded from the
// OS entropy source; it is thread-safe (one mutex). SeededRandom is deterministic, for tests only.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "platform/error.h"

namespace optin::platform {

class Random {
 public:
  virtual ~Random() = default;
  // Fills `out` with `n` fresh random bytes.
  virtual Status Fill(void* out, size_t n) = 0;

  // Convenience: n random bytes, or aborts (a DRBG that cannot produce bytes is fatal).
  std::string Bytes(size_t n);
  // Uniform integer in [0, bound) without modulo bias; bound > 0.
  uint64_t Uniform(uint64_t bound);
};

class CtrDrbg final : public Random {
 public:
  // Seeds from the platform entropy source, personalised with `personalization`.
  static Result<std::unique_ptr<CtrDrbg>> Create(std::string_view personalization = "optin-edge");
  ~CtrDrbg() override;
  Status Fill(void* out, size_t n) override;

  // mbedTLS-style callback: f_rng(p_rng, out, len); p_rng must be a CtrDrbg*.
  static int MbedtlsCallback(void* self, unsigned char* out, size_t len);

 private:
  CtrDrbg();
  struct State;
  std::mutex mu_;
  std::unique_ptr<State> state_;  // GUARDED_BY(mu_)
};

// Deterministic generator (splitmix64) for reproducible tests. Thread-safe.
class SeededRandom final : public Random {
 public:
  explicit SeededRandom(uint64_t seed) : state_(seed) {}
  Status Fill(void* out, size_t n) override;

 private:
  std::mutex mu_;
  uint64_t state_;
};

}  // namespace optin::platform
