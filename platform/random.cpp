#include "platform/random.h"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "platform/mbedtls_error.h"

namespace optin::platform {

std::string Random::Bytes(size_t n) {
  std::string out(n, '\0');
  if (n == 0) return out;
  Status status = Fill(out.data(), n);
  if (!status) {
    std::fprintf(stderr, "fatal: random generator failed: %s\n", status.error().message.c_str());
    std::fflush(stderr);
    std::abort();
  }
  return out;
}

uint64_t Random::Uniform(uint64_t bound) {
  if (bound <= 1) return 0;
  // Values below `threshold` (= 2^64 mod bound) are rejected so that every residue is equally
  // likely among the accepted values.
  const uint64_t threshold = (0 - bound) % bound;
  for (;;) {
    uint64_t x = 0;
    const std::string bytes = Bytes(sizeof x);
    std::memcpy(&x, bytes.data(), sizeof x);
    if (x >= threshold) return x % bound;
  }
}

struct CtrDrbg::State {
  State() {
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
  }
  ~State() {
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
  }
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
};

CtrDrbg::CtrDrbg() : state_(std::make_unique<State>()) {}

CtrDrbg::~CtrDrbg() = default;

Result<std::unique_ptr<CtrDrbg>> CtrDrbg::Create(std::string_view personalization) {
  std::unique_ptr<CtrDrbg> drbg(new CtrDrbg());
  const int rc = mbedtls_ctr_drbg_seed(
      &drbg->state_->drbg, mbedtls_entropy_func, &drbg->state_->entropy,
      reinterpret_cast<const unsigned char*>(personalization.data()), personalization.size());
  if (rc != 0) {
    return std::unexpected(
        MbedtlsError(rc, "seeding the random generator from the OS entropy source"));
  }
  return drbg;
}

Status CtrDrbg::Fill(void* out, size_t n) {
  auto* p = static_cast<unsigned char*>(out);
  std::lock_guard lock(mu_);
  while (n > 0) {
    const size_t chunk = std::min<size_t>(n, MBEDTLS_CTR_DRBG_MAX_REQUEST);
    // Reseeding from the entropy source when the reseed interval is reached happens inside.
    const int rc = mbedtls_ctr_drbg_random(&state_->drbg, p, chunk);
    if (rc != 0) return std::unexpected(MbedtlsError(rc, "random generator"));
    p += chunk;
    n -= chunk;
  }
  return Ok();
}

int CtrDrbg::MbedtlsCallback(void* self, unsigned char* out, size_t len) {
  return static_cast<CtrDrbg*>(self)->Fill(out, len) ? 0
                                                     : MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
}

Status SeededRandom::Fill(void* out, size_t n) {
  auto* p = static_cast<unsigned char*>(out);
  std::lock_guard lock(mu_);
  while (n > 0) {
    state_ += 0x9e3779b97f4a7c15ULL;
    uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    for (int i = 0; i < 8 && n > 0; ++i, --n) {
      *p++ = static_cast<unsigned char>(z >> (8 * i));
    }
  }
  return Ok();
}

}  // namespace optin::platform
