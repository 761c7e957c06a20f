#include "tools/optin-hq/login_limiter.h"

#include <algorithm>

namespace optin::hq {

LoginLimiter::LoginLimiter(const platform::Clock& clock, int64_t max_failures,
                           std::chrono::seconds window, size_t max_clients)
    : clock_(clock), max_failures_(max_failures), window_(window), max_clients_(max_clients) {}

std::chrono::seconds LoginLimiter::RetryAfter(std::string_view client) const {
  std::lock_guard lock(mu_);
  auto it = windows_.find(client);
  if (it == windows_.end() || it->second.failures < max_failures_) return std::chrono::seconds(0);
  const auto left = window_ - (clock_.Monotonic() - it->second.started);
  if (left <= std::chrono::seconds(0)) return std::chrono::seconds(0);
  return std::max(std::chrono::seconds(1), std::chrono::ceil<std::chrono::seconds>(left));
}

void LoginLimiter::RecordFailure(std::string_view client) {
  std::lock_guard lock(mu_);
  const platform::MonoTime now = clock_.Monotonic();
  auto it = windows_.find(client);
  if (it != windows_.end() && now - it->second.started >= window_) {
    windows_.erase(it);
    it = windows_.end();
  }
  if (it == windows_.end()) {
    if (windows_.size() >= max_clients_) {
      auto oldest = std::min_element(
          windows_.begin(), windows_.end(),
          [](const auto& a, const auto& b) { return a.second.started < b.second.started; });
      windows_.erase(oldest);
    }
    it = windows_.emplace(std::string(client), Window{now, 0}).first;
  }
  ++it->second.failures;
}

}  // namespace optin::hq
