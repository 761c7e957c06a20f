// HQ account passwords: PBKDF2-HMAC-SHA256 (through platform/crypto.h, the door to mbedTLS)
// with a 16-byte random salt per user, stored as one text
// "pbkdf2-sha256$ITERATIONS$SALT$HASH" (base64url) so that the work factor can rise later
// without breaking older hashes. Pure functions apart from the Random passed in; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "platform/error.h"
#include "platform/random.h"

namespace optin::hq {

// The work factor: about 100 ms per hash on the 2-core reference machine. mbedTLS 2.28's
// SHA-256 (no SHA extensions) did 81,000-143,000 iterations per 100 ms of CPU here, depending on
// the load on the other hyperthread (CalibratePbkdf2Iterations); 120,000 takes ~85-150 ms.
// Below OWASP's 600,000 for PBKDF2-SHA256: the price of ~100 ms on this CPU. The iterations are
// stored with each hash, so older hashes keep verifying after a rise (HashIterations tells which
// to rehash).
inline constexpr unsigned kDefaultPbkdf2Iterations = 120000;

// Accepted passwords: 12 to 1024 bytes. kInvalidArgument (field "password") otherwise.
Status CheckPasswordPolicy(std::string_view password);

// Hashes `password` with a fresh salt.
Result<std::string> HashPassword(std::string_view password, unsigned iterations,
                                 platform::Random& random);

// Whether `password` matches `stored` (compared in constant time). False for a malformed
// stored text.
bool VerifyPassword(std::string_view stored, std::string_view password);

// The iterations of a stored hash (0 when malformed), to rehash after a login when it is below
// the current work factor.
unsigned HashIterations(std::string_view stored);

// Measures this machine: the iterations that take about `target` of CPU time for one hash (CPU
// time of the calling thread, so that other load does not skew it).
unsigned CalibratePbkdf2Iterations(std::chrono::milliseconds target);

}  // namespace optin::hq
