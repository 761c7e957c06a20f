// Small helpers HQ's handlers share: problem+json answers with HQ's stable types
// ("urn:optin-hq:problem:<name>"), the query string as decoded pairs, a cookie's value, whether
// the client asked for CSV. Pure functions over net's plain request values (no Beast);
// thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "net/http_message.h"
#include "platform/error.h"

namespace optin::hq {

inline constexpr std::string_view kProblemPrefix = "urn:optin-hq:problem:";

// {"type": "urn:optin-hq:problem:<name>", "title": name, "status", "detail"[, "field"]}.
net::Response HqProblem(int status, std::string_view name, std::string_view detail,
                        std::string_view field = {});
// An Error as a problem: its reason (or `fallback`) as the name, its field, a status by code.
net::Response HqProblem(const Error& error, std::string_view fallback);

// The query's parameters, percent-decoded ('+' as a space). A name given twice: the result says
// which (duplicate), so that a handler can refuse it by name.
struct QueryParams {
  std::map<std::string, std::string, std::less<>> values;
  std::string duplicate;  // the first name given twice, if any
  std::optional<std::string> Get(std::string_view name) const;
};
QueryParams ParseQuery(std::string_view query);

// The value of cookie `name` in the request's Cookie header(s), or empty.
std::string CookieValue(const net::Request& request, std::string_view name);

// `?format=csv` or an Accept header that names text/csv.
bool WantsCsv(const net::Request& request, const QueryParams& params);

}  // namespace optin::hq
