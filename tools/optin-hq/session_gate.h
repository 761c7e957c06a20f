// The gate in front of every people's route but login: the request's session cookie
// (optin_hq_session) must open a live session, else 401 problem+json ("session-required");
// a route that needs admin answers 403 to an analyst. The check and the handler's own work run on
// a worker thread (they read the database); a full queue answers 503. Thread-safe.
#pragma once

#include <functional>
#include <optional>

#include "net/http_message.h"
#include "tools/optin-hq/accounts.h"
#include "tools/optin-hq/hq_context.h"

namespace optin::hq {

inline constexpr std::string_view kSessionCookie = "optin_hq_session";

using GatedHandler = std::function<net::Response(const net::Request&, const Session&)>;

// Wraps `fn` into a route handler behind the gate (`need`: the role required, if any).
net::Handler Gated(HqContext& ctx, std::optional<Role> need, GatedHandler fn);

}  // namespace optin::hq
