// Turns an Error into an RFC 9457 application/problem+json response: a stable type
// ("urn:optin-edge:problem:<reason>"), a title, the status, a human detail, and the field at
// fault. Pure functions; thread-safe.
#pragma once

#include "net/http_message.h"
#include "platform/error.h"

namespace optin::api {

int HttpStatusFor(const Error& error);
net::Response ProblemResponse(const Error& error);

}  // namespace optin::api
