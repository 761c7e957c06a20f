#include "net/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace optin::net {

RateLimiter::RateLimiter(const platform::Clock& clock, RateLimit limit) : clock_(clock) {
  SetLimit(std::move(limit));
}

void RateLimiter::SetLimit(RateLimit limit) {
  std::lock_guard lock(mutex_);
  exempt_.clear();
  for (const auto& a : limit.exempt) exempt_.emplace(ClientAddressKey::Normalize(a));
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
  address = ClientAddressKey::Normalize(address);
  const uint64_t key = key_.Of(address);
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
