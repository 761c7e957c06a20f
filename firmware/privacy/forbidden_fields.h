// The names and values the product never accepts anywhere (PRODUCT.md lines 1 and 2): age,
// birth date, sex or gender, ethnicity, images, biometrics, device MAC addresses. One list,
// used by the API's request bodies and by the offer catalog loader.
// Pure functions over constant tables; thread-safe.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/error.h"

namespace optin::privacy {

// A member name split into lowercase words at '_', '-', '.', ' ' and camelCase boundaries
// ("dateOfBirth" -> date, of, birth).
std::vector<std::string> NameParts(std::string_view name);

// True when any word of `name` is a forbidden word ("customer_age", "faceId") or the whole name
// is a forbidden name ("race", "dateOfBirth", "mac_address").
bool IsForbiddenName(std::string_view name);

// True for a data: URL of an image or video anywhere in `s`, in any case, or base64 of a JPEG,
// PNG, GIF or WebP header (after any leading whitespace).
bool LooksLikeImage(std::string_view s);

// "~" -> "~0", "/" -> "~1" (RFC 6901), for building JSON pointers from member names.
std::string EscapeJsonPointerToken(std::string_view key);

// The JSON pointer of the first member whose name repeats an earlier one in the same object
// ("/a/b" for {"a":{"b":1,"b":2}}), names compared after unescaping ("\u0061" is "a"), or
// nothing. `json` must be valid JSON (parse it first): parsers differ on which duplicate wins,
// so every document the box reads refuses them instead of keeping one silently.
std::optional<std::string> FindDuplicateMember(std::string_view json);

// The first forbidden member name (kForbiddenField, reason "forbidden-field") or image-like
// string value ("image-refused") in `v` at any depth, with its JSON pointer as the field.
std::optional<Error> FindForbiddenField(const boost::json::value& v);

}  // namespace optin::privacy
