#include "tools/optin-hq/password_hash.h"

#include <charconv>
#include <ctime>
#include <vector>

#include "platform/crypto.h"
#include "platform/encoding.h"

namespace optin::hq {
namespace {

constexpr std::string_view kScheme = "pbkdf2-sha256";
constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;

struct Parsed {
  unsigned iterations = 0;
  std::string salt;
  std::string hash;
};

bool Parse(std::string_view stored, Parsed* out) {
  std::vector<std::string_view> parts;
  for (size_t at = 0;;) {
    const size_t dollar = stored.find('$', at);
    parts.push_back(stored.substr(at, dollar == std::string_view::npos ? dollar : dollar - at));
    if (dollar == std::string_view::npos) break;
    at = dollar + 1;
  }
  if (parts.size() != 4 || parts[0] != kScheme) return false;
  auto [end, ec] =
      std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), out->iterations);
  if (ec != std::errc() || end != parts[1].data() + parts[1].size() || out->iterations == 0) {
    return false;
  }
  auto salt = platform::Base64UrlDecode(parts[2]);
  auto hash = platform::Base64UrlDecode(parts[3]);
  if (!salt || !hash || salt->size() != kSaltBytes || hash->size() != kHashBytes) return false;
  out->salt = std::move(*salt);
  out->hash = std::move(*hash);
  return true;
}

}  // namespace

Status CheckPasswordPolicy(std::string_view password) {
  if (password.size() < 12) {
    return Fail(ErrorCode::kInvalidArgument, "a password needs at least 12 characters", "password",
                "weak-password");
  }
  if (password.size() > 1024) {
    return Fail(ErrorCode::kInvalidArgument, "a password may have at most 1024 bytes", "password",
                "invalid-password");
  }
  return Ok();
}

Result<std::string> HashPassword(std::string_view password, unsigned iterations,
                                 platform::Random& random) {
  std::string salt(kSaltBytes, '\0');
  OPTIN_TRY(random.Fill(salt.data(), salt.size()));
  OPTIN_ASSIGN_OR_RETURN(std::string hash,
                         platform::Pbkdf2Sha256(password, salt, iterations, kHashBytes));
  return std::string(kScheme) + "$" + std::to_string(iterations) + "$" +
         platform::Base64UrlEncode(salt) + "$" + platform::Base64UrlEncode(hash);
}

bool VerifyPassword(std::string_view stored, std::string_view password) {
  Parsed p;
  if (!Parse(stored, &p)) return false;
  auto hash = platform::Pbkdf2Sha256(password, p.salt, p.iterations, kHashBytes);
  return hash && platform::ConstantTimeEquals(*hash, p.hash);
}

unsigned HashIterations(std::string_view stored) {
  Parsed p;
  return Parse(stored, &p) ? p.iterations : 0;
}

unsigned CalibratePbkdf2Iterations(std::chrono::milliseconds target) {
  auto cpu_ms = [] {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
  };
  const std::string salt(kSaltBytes, 's');
  unsigned probe = 20000;
  // Grow the probe until it takes long enough to measure, then scale to the target.
  for (;;) {
    const double start = cpu_ms();
    (void)platform::Pbkdf2Sha256("calibration password", salt, probe, kHashBytes);
    const double took = cpu_ms() - start;
    if (took >= 50.0 || probe >= (1u << 30)) {
      return static_cast<unsigned>(static_cast<double>(target.count()) * probe / took);
    }
    probe *= 2;
  }
}

}  // namespace optin::hq
