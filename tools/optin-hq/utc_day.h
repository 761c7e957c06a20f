// UTC days as integers (days since 1970-01-01), the unit HQ groups figures and the stores file's
// dates by, and their ISO 8601 form (YYYY-MM-DD). Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace optin::hq {

// The UTC day a Unix time (seconds) falls in; floors for times before 1970.
int64_t UtcDayOf(int64_t unix_seconds);
// The Unix time of a day's first second.
int64_t UtcDayStart(int64_t day);
// "2026-03-01" -> its day; nullopt unless exactly YYYY-MM-DD and a real date.
std::optional<int64_t> ParseIsoDate(std::string_view text);
std::optional<int64_t> UtcDayFromCivil(int64_t year, unsigned month, unsigned day);
std::string FormatIsoDate(int64_t day);

}  // namespace optin::hq
