// Who a staff request comes from, once its session token has been checked: the staff login id,
// the role, and the session it belongs to (the keyed hash of its token, never the token).
// Plain value types; thread-compatible.
#pragma once

#include <cstdint>
#include <string>

#include "assist/help_request.h"

namespace optin::assist {

struct StaffMember {
  std::string id;
  StaffRole role = StaffRole::kAssociate;
};

struct StaffSession {
  StaffMember staff;
  std::string session_key;  // keyed hash of the token (raw bytes), as stored
  int64_t expires_at = 0;
};

}  // namespace optin::assist
