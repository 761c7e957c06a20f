// An indicator for tests: records each call in order ("accepted", "refused"). Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "drivers/indicator.h"

namespace optin::drivers {

class FakeIndicator final : public Indicator {
 public:
  void Accepted() override { Record("accepted"); }
  void Refused() override { Record("refused"); }

  std::vector<std::string> calls() const;
  // Waits until at least `n` calls were recorded or `timeout` passed; returns the calls.
  std::vector<std::string> WaitForCalls(size_t n, std::chrono::milliseconds timeout) const;

 private:
  void Record(std::string what);
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::vector<std::string> calls_;  // GUARDED_BY(mu_)
};

}  // namespace optin::drivers
