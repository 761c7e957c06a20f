// Languages: checking a BCP 47-style tag ("it", "de-CH", "zh-Hant-TW") and choosing the
// store language for a request from its Accept-Language header (RFC 9110 12.5.4 q-values, RFC
// 4647 3.4 Lookup among the store's languages). A header that does not parse is ignored, never
// an error: the answer is then the store's default language. Pure functions; thread-safe.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace optin::notices {

// A primary subtag of 2 to 3 letters, then subtags of 1 to 8 letters or digits, joined by '-'
// (at most 35 characters). Enough for what a store offers; no registry lookup.
bool IsLanguageTag(std::string_view tag);

// The language to answer in: of `languages` (the store's, first = default; non-empty), the one
// RFC 4647 Lookup picks for `accept_language`, trying ranges by descending q (ties in header
// order) and each range shortened from the end ("it-CH" -> "it"). q=0 excludes a range; "*"
// stands for the first store language not excluded. Tags compare case-insensitively; the store's
// spelling is returned. An empty or malformed header gives languages[0]; an unmatched one the
// first store language it does not refuse with q=0 (languages[0] if it refuses them all).
std::string PickLanguage(std::string_view accept_language, std::span<const std::string> languages);

}  // namespace optin::notices
