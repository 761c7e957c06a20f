#include "platform/client_login_limiter.h"

#include <algorithm>

namespace optin::platform {

ClientLoginLimiter::ClientLoginLimiter(const platform::Clock& clock, int64_t max_failures,
                                       std::chrono::seconds window, size_t max_clients)
    : clock_(clock),
      max_failures_(max_failures),
      window_(window),
      max_clients_(std::max<size_t>(1, max_clients)) {}

bool ClientLoginLimiter::Allowed(std::string_view client) const {
  const platform::MonoTime now = clock_.Monotonic();
  std::lock_guard lock(mu_);
  auto it = windows_.find(client);
  if (it == windows_.end() || Expired(it->second, now)) return true;
  return it->second.failures < max_failures_;
}

std::chrono::seconds ClientLoginLimiter::RetryAfter(std::string_view client) const {
  const platform::MonoTime now = clock_.Monotonic();
  std::lock_guard lock(mu_);
  auto it = windows_.find(client);
  if (it == windows_.end() || Expired(it->second, now) || it->second.failures < max_failures_) {
    return std::chrono::seconds(0);
  }
  const auto left = std::chrono::ceil<std::chrono::seconds>(it->second.started + window_ - now);
  return std::max(left, std::chrono::seconds(1));
}

void ClientLoginLimiter::RecordFailure(std::string_view client) {
  const platform::MonoTime now = clock_.Monotonic();
  std::lock_guard lock(mu_);
  auto it = windows_.find(client);
  if (it != windows_.end()) {
    if (Expired(it->second, now)) it->second = Window{now, 0};
    ++it->second.failures;
    return;
  }
  if (windows_.size() >= max_clients_) {
    std::erase_if(windows_, [&](const auto& kv) { return Expired(kv.second, now); });
  }
  if (windows_.size() >= max_clients_) {
    auto oldest = std::min_element(
        windows_.begin(), windows_.end(),
        [](const auto& a, const auto& b) { return a.second.started < b.second.started; });
    windows_.erase(oldest);
  }
  windows_.emplace(std::string(client), Window{now, 1});
}

size_t ClientLoginLimiter::tracked() const {
  std::lock_guard lock(mu_);
  return windows_.size();
}

}  // namespace optin::platform
