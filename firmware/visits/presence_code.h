// The store's rotating presence code, shown as a QR at the entrance: proof that a shopper is in
// the store now, not a location trace. Code = 8 Crockford base32 characters of
// HMAC-SHA256(presence key, time step), one step every 30 s; the previous step is accepted too.
// Immutable; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "platform/clock.h"

namespace optin::visits {

class PresenceCode {
 public:
  PresenceCode(std::string key, const platform::Clock& clock,
               std::chrono::seconds step = std::chrono::seconds(30))
      : key_(std::move(key)), clock_(clock), step_(step) {}

  std::string Current() const { return ForStep(CurrentStep()); }
  // Seconds until the current code is replaced.
  int64_t SecondsRemaining() const;
  // True for the current code or one of the `previous_steps` before it (case-insensitive,
  // constant time). The default accepts the current and the previous step.
  bool Accepts(std::string_view code, int64_t previous_steps = 1) const;

  int64_t CurrentStep() const { return clock_.NowUnix() / step_.count(); }
  std::string ForStep(int64_t step) const;

 private:
  std::string key_;
  const platform::Clock& clock_;
  std::chrono::seconds step_;
};

}  // namespace optin::visits
