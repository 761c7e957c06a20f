// People's logins: POST /v1/login {"id", "password"} answers 200 {"user", "role", "expires_at"}
// with the session cookie (Secure; HttpOnly; SameSite=Strict; Path=/), or 401 "login-failed"
// alike for an unknown id, a wrong password and a locked account (accounts.h: 5 wrong passwords
// lock it for 15 minutes, and 20 failed logins from one address in 15 minutes refuse it with 429
// and Retry-After, as the box's staff logins); POST /v1/logout ends the session and
// clears the cookie; GET /v1/session says whether the request's cookie opens a live session
// (200 {"logged_in": false} or {"logged_in": true, "user", "role", "expires_at"}: the dashboard
// asks it before showing its login screen, so that no page load meets a 401). The password check
// (PBKDF2, ~100 ms) runs on a worker thread. Thread-safe.
#pragma once

#include <vector>

#include "tools/optin-hq/hq_context.h"
#include "tools/optin-hq/login_limiter.h"

namespace optin::hq {

class SessionHandler {
 public:
  explicit SessionHandler(HqContext& ctx) : ctx_(ctx), limiter_(ctx.clock) {}
  std::vector<HqRoute> Routes();

 private:
  void LogIn(net::Request&& request, net::Responder respond);
  void LogOut(net::Request&& request, net::Responder respond);
  HqContext& ctx_;
  LoginLimiter limiter_;  // failed logins per client address, as on the box
};

}  // namespace optin::hq
