// Tells the shopper at the kiosk whether their scan was accepted: an LED (LedIndicator), or a
// fake for tests (FakeIndicator). Calls never block the caller (the event loop, the database
// writer). Implementations are thread-safe.
#pragma once

namespace optin::drivers {

class Indicator {
 public:
  virtual ~Indicator() = default;
  virtual void Accepted() = 0;
  virtual void Refused() = 0;
};

// An indicator that shows nothing (no LED configured).
class NullIndicator final : public Indicator {
 public:
  void Accepted() override {}
  void Refused() override {}
};

}  // namespace optin::drivers
