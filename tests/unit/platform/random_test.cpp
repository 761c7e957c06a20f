#include "platform/random.h"

#include <gtest/gtest.h>

#include <cstring>
#include <deque>
#include <set>

namespace optin::platform::random_test {
namespace {

// Hands out scripted 64-bit values (little-endian), for testing Uniform's rejection.
class ScriptedRandom final : public Random {
 public:
  explicit ScriptedRandom(std::deque<uint64_t> values) : values_(std::move(values)) {}
  Status Fill(void* out, size_t n) override {
    if (n != 8 || values_.empty()) return Fail(ErrorCode::kInternal, "script exhausted");
    const uint64_t v = values_.front();
    values_.pop_front();
    std::memcpy(out, &v, 8);
    ++draws;
    return Ok();
  }
  int draws = 0;

 private:
  std::deque<uint64_t> values_;
};

class FailingRandom final : public Random {
 public:
  Status Fill(void*, size_t) override { return Fail(ErrorCode::kCrypto, "entropy gone"); }
};

TEST(RandomTest, SeededRandomIsSplitmix64) {
  SeededRandom random(0);
  uint64_t first = 0;
  ASSERT_TRUE(random.Fill(&first, sizeof first));
  // First output of splitmix64 seeded with 0 (little-endian on this platform).
  EXPECT_EQ(first, 0xe220a8397b1dcdafULL);
}

TEST(RandomTest, SeededRandomRepeatsForTheSameSeedOnly) {
  SeededRandom a(42), b(42), c(43);
  const std::string bytes = a.Bytes(37);
  EXPECT_EQ(bytes, b.Bytes(37));
  EXPECT_NE(bytes, c.Bytes(37));
  EXPECT_EQ(bytes.size(), 37u);
}

TEST(RandomTest, CtrDrbgProducesFreshBytesBeyondOneRequestLimit) {
  auto drbg = CtrDrbg::Create("test");
  ASSERT_TRUE(drbg) << drbg.error().message;
  const std::string a = (*drbg)->Bytes(5000);  // more than MBEDTLS_CTR_DRBG_MAX_REQUEST
  const std::string b = (*drbg)->Bytes(5000);
  EXPECT_EQ(a.size(), 5000u);
  EXPECT_NE(a, b);
  EXPECT_NE(a.substr(4000), std::string(1000, '\0'));
}

TEST(RandomTest, CtrDrbgCallbackFillsForMbedtls) {
  auto drbg = CtrDrbg::Create();
  ASSERT_TRUE(drbg);
  unsigned char buf[32] = {};
  EXPECT_EQ(CtrDrbg::MbedtlsCallback(drbg->get(), buf, sizeof buf), 0);
  EXPECT_NE(std::string(reinterpret_cast<char*>(buf), 32), std::string(32, '\0'));
}

TEST(RandomTest, UniformRejectsValuesThatWouldBiasTheResult) {
  // bound = 3 * 2^62: 2^64 mod bound = 2^62, so draws below 2^62 must be rejected.
  const uint64_t bound = 3ULL << 62;
  ScriptedRandom random({1ULL << 60, (1ULL << 62) + 5});
  EXPECT_EQ(random.Uniform(bound), (1ULL << 62) + 5);
  EXPECT_EQ(random.draws, 2);
}

TEST(RandomTest, UniformStaysBelowTheBoundAndReachesEveryValue) {
  SeededRandom random(7);
  std::set<uint64_t> seen;
  for (int i = 0; i < 1000; ++i) {
    const uint64_t v = random.Uniform(6);
    ASSERT_LT(v, 6u);
    seen.insert(v);
  }
  EXPECT_EQ(seen.size(), 6u);
  EXPECT_EQ(random.Uniform(1), 0u);
}

TEST(RandomDeathTest, BytesAbortsWhenTheGeneratorFails) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  FailingRandom random;
  EXPECT_DEATH(random.Bytes(16), "random generator failed: entropy gone");
}

}  // namespace
}  // namespace optin::platform::random_test
