// RFC 8785 (JSON Canonicalization Scheme) for the JSON the box hashes: notice texts, whose
// SHA-256 a consent receipt carries. Members sorted by their names' UTF-16 code units, no
// whitespace, strings escaped as RFC 8785 says, integers in decimal. Numbers that are not
// integers within +-2^53 are refused (notice texts hold strings and integers only).
// Pure functions; thread-safe.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>

#include "platform/error.h"

namespace optin::notices {

// The canonical form of `v`. kInvalidArgument ("not-canonical") for a fractional or too-large
// number, with `field` the JSON pointer of the value.
Result<std::string> CanonicalJson(const boost::json::value& v);

// Whether `a` sorts before `b` by UTF-16 code units (the RFC 8785 member order). Both UTF-8.
bool Utf16Less(std::string_view a, std::string_view b);

// The lowercase hex SHA-256 of `bytes`.
std::string Sha256Hex(std::string_view bytes);

}  // namespace optin::notices
