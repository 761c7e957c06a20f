#include "net/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>

namespace optin::net {
namespace {

// "::ffff:10.0.0.7" (an IPv4 client on a dual-stack socket) is "10.0.0.7".
std::string_view Normalize(std::string_view address) {
  constexpr std::string_view kMapped = "::ffff:";
  if (address.starts_with(kMapped) && address.find('.') != std::string_view::npos) {
    address.remove_prefix(kMapped.size());
  }
  return address;
}

}  // namespace

RateLimiter::RateLimiter(const platform::Clock& clock, RateLimit limit) : clock_(clock) {
  std::random_device random;
  for (auto& byte : hash_key_) byte = static_cast<uint8_t>(random());
  SetLimit(std::move(limit));
}

void RateLimiter::SetLimit(RateLimit limit) {
  std::lock_guard lock(mutex_);
  exempt_.clear();
  for (const auto& a : limit.exempt) exempt_.emplace(Normalize(a));
  limit_ = std::move(limit);
  limit_.burst = std::max<int64_t>(limit_.burst, 1);
  limit_.max_clients = std::max<size_t>(limit_.max_clients, 1);
  if (limit_.per_second <= 0) {
    buckets_.clear();
    return;
  }
  const auto cap = static_cast<double>(limit_.burst);
  for (auto& [key, bucket] : buckets_) bucket.tokens = std::min(bucket.tokens, cap);
  while (buckets_.size() > limit_.max_clients) MakeRoom(clock_.Monotonic());
}

uint64_t RateLimiter::Key(std::string_view address) const {
  std::string keyed(reinterpret_cast<const char*>(hash_key_.data()), hash_key_.size());
  keyed += address;
  return std::hash<std::string>{}(keyed);
}

void RateLimiter::Refill(Bucket& bucket, platform::MonoTime now) const {
  if (now <= bucket.updated) return;
  const double elapsed = std::chrono::duration<double>(now - bucket.updated).count();
  bucket.tokens = std::min(static_cast<double>(limit_.burst),
                           bucket.tokens + elapsed * static_cast<double>(limit_.per_second));
  bucket.updated = now;
}

void RateLimiter::MakeRoom(platform::MonoTime now) {
  // Refilled buckets carry no information: drop them all at once.
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    Refill(it->second, now);
    it =
        it->second.tokens >= static_cast<double>(limit_.burst) ? buckets_.erase(it) : std::next(it);
  }
  if (buckets_.size() < limit_.max_clients) return;
  auto oldest = std::min_element(
      buckets_.begin(), buckets_.end(),
      [](const auto& a, const auto& b) { return a.second.last_seen < b.second.last_seen; });
  buckets_.erase(oldest);
}

std::optional<std::chrono::seconds> RateLimiter::Admit(std::string_view address) {
  address = Normalize(address);
  const uint64_t key = Key(address);
  const platform::MonoTime now = clock_.Monotonic();
  std::lock_guard lock(mutex_);
  if (limit_.per_second <= 0 || exempt_.contains(address)) return std::nullopt;
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= limit_.max_clients) MakeRoom(now);
    it = buckets_.emplace(key, Bucket{static_cast<double>(limit_.burst), now, now}).first;
  }
  Bucket& bucket = it->second;
  Refill(bucket, now);
  bucket.last_seen = now;
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    return std::nullopt;
  }
  const double wait = (1.0 - bucket.tokens) / static_cast<double>(limit_.per_second);
  return std::chrono::seconds(std::max<int64_t>(1, static_cast<int64_t>(std::ceil(wait))));
}

size_t RateLimiter::tracked_clients() const {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

}  // namespace optin::net
