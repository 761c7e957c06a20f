// Reads a request's JSON body: checks the media type, parses with a depth limit, and refuses
// fields the product never accepts (PRODUCT.md lines 1 and 2: demographics, biometrics, images,
// device MAC addresses), wherever they are nested. Also small typed accessors whose errors name
// the field. Pure functions; thread-safe.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "net/http_message.h"
#include "platform/error.h"

namespace optin::api {

// The JSON pointer of the first forbidden field or image-like value in `v`, or nothing.
std::optional<Error> FindForbiddenField(const boost::json::value& v);

// Refuses forbidden names in the query string too (?age=...).
Status CheckQueryForForbiddenFields(std::string_view query);

// The body as a JSON object. An empty body is an empty object when `allow_empty`.
Result<boost::json::object> ParseJsonBody(const net::Request& request, bool allow_empty = false);

// Rejects members other than `allowed` (typos should not be silently ignored).
Status RequireOnlyMembers(const boost::json::object& o,
                          std::initializer_list<std::string_view> allowed,
                          std::string_view pointer_prefix = "");

// The JSON type of `v` in words ("a number", "true or false", "an object", ...).
std::string_view JsonTypeName(const boost::json::value& v);
// 400 "invalid-type" naming the member's pointer, the type expected and the type sent, e.g.
// "'pin' must be a string (in quotes), not a number.". Every member reader uses it.
Error WrongType(std::string_view name, std::string_view expected, const boost::json::value& sent,
                std::string_view pointer_prefix = "");

// A string member that must be present: "missing-field" when absent or null, "invalid-type"
// (naming the type sent) for any other type, "too-long" past max_len characters.
Result<std::string> RequiredString(const boost::json::object& o, std::string_view name,
                                   size_t max_len, std::string_view pointer_prefix = "");
Result<std::optional<std::string>> OptionalString(const boost::json::object& o,
                                                  std::string_view name, size_t max_len,
                                                  std::string_view pointer_prefix = "");
Result<bool> RequiredBool(const boost::json::object& o, std::string_view name,
                          std::string_view pointer_prefix = "");

}  // namespace optin::api
