#include "platform/clock.h"

namespace optin::platform {

SystemClock& SystemClock::Instance() {
  static SystemClock clock;
  return clock;
}

}  // namespace optin::platform
