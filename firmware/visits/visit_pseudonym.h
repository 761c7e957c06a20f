// Friendly names for visits ("Amber Heron") so staff can call out to a shopper without knowing
// who they are. Drawn at random per visit from fixed word lists: unlinkable across visits.
// Thread-safe (Random is).
#pragma once

#include <string>

#include "platform/random.h"

namespace optin::visits {

std::string RandomVisitPseudonym(platform::Random& random);

}  // namespace optin::visits
