// Request rate limits per client address, for the public listener: a token bucket per address
// (`burst` requests at once, refilled at `per_second`). Addresses are kept only in memory, as
// hashes under a random per-process key, and never logged. The table holds at most
// `max_clients` buckets: when it is full, buckets that have refilled (the same as never seen)
// are dropped first, then the least recently used one. SetLimit() applies new limits to every
// later request (existing buckets keep their tokens, capped at the new burst). Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "net/client_address_key.h"
#include "platform/clock.h"

namespace optin::net {

struct RateLimit {
  int64_t per_second = 50;                                 // 0: no rate limit
  int64_t burst = 200;                                     // requests an address may make at once
  size_t max_clients = 4096;                               // buckets kept at once (memory bound)
  std::vector<std::string> exempt = {"127.0.0.1", "::1"};  // never limited (the box itself)
};

class RateLimiter {
 public:
  RateLimiter(const platform::Clock& clock, RateLimit limit);

  void SetLimit(RateLimit limit);

  // Takes one token for `address` (an IP address as text; IPv4-mapped IPv6 counts as IPv4).
  // Empty when the request may go on; otherwise how long until it may (at least 1 s).
  std::optional<std::chrono::seconds> Admit(std::string_view address);

  size_t tracked_clients() const;

 private:
  struct Bucket {
    double tokens = 0;
    platform::MonoTime updated;    // tokens are as of this time
    platform::MonoTime last_seen;  // the last request, for choosing whom to forget
  };
  // REQUIRES(mutex_): brings a bucket's tokens up to `now`.
  void Refill(Bucket& bucket, platform::MonoTime now) const;
  // REQUIRES(mutex_): makes room for one more bucket.
  void MakeRoom(platform::MonoTime now);

  const platform::Clock& clock_;
  const ClientAddressKey key_;
  mutable std::mutex mutex_;
  RateLimit limit_;                               // GUARDED_BY(mutex_)
  std::set<std::string, std::less<>> exempt_;     // GUARDED_BY(mutex_)
  std::unordered_map<uint64_t, Bucket> buckets_;  // GUARDED_BY(mutex_)
};

}  // namespace optin::net
