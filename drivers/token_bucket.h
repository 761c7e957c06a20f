// A token bucket: at most `rate` events per second on average, bursts up to `rate`. Used per
// scanner so that a stuck key or a flooding device cannot flood check-ins. Pure (time is passed
// in); not thread-safe.
#pragma once

#include <algorithm>
#include <chrono>

#include "platform/clock.h"

namespace optin::drivers {

class TokenBucket {
 public:
  explicit TokenBucket(int rate_per_second)
      : rate_(std::max(rate_per_second, 1)), tokens_(static_cast<double>(rate_)) {}

  // Takes a token at `now` if one is left.
  bool Allow(platform::MonoTime now) {
    if (started_) {
      const std::chrono::duration<double> elapsed = now - last_;
      if (elapsed.count() > 0) {
        tokens_ = std::min(static_cast<double>(rate_), tokens_ + elapsed.count() * rate_);
      }
    }
    started_ = true;
    last_ = std::max(last_, now);
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
  }

 private:
  int rate_;
  double tokens_;
  bool started_ = false;
  platform::MonoTime last_{};
};

}  // namespace optin::drivers
