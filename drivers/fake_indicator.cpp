#include "drivers/fake_indicator.h"

namespace optin::drivers {

std::vector<std::string> FakeIndicator::calls() const {
  std::lock_guard lock(mu_);
  return calls_;
}

std::vector<std::string> FakeIndicator::WaitForCalls(size_t n,
                                                     std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return calls_.size() >= n; });
  return calls_;
}

void FakeIndicator::Record(std::string what) {
  {
    std::lock_guard lock(mu_);
    calls_.push_back(std::move(what));
  }
  cv_.notify_all();
}

}  // namespace optin::drivers
