// Which stored text of a notice version a shopper is served (GET /v1/notices/{version}): the
// language asked by name, or else the one the browser's Accept-Language picks among the
// version's languages, the store's own languages first. A use case over a connection; call it
// inside a database job. Thread-safety: as the connection.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "platform/error.h"
#include "store/connection.h"

namespace optin::notices {

struct ChosenNoticeText {
  std::string language;   // the tag as stored
  std::string canonical;  // the canonical bytes receipts hash (notice_sha256)
};

// `language`: the tag asked with ?lang= (exact match), or nothing to let `accept_language`
// choose among the version's languages ordered as `store_languages` (the store's default
// first), then the version's others. kNotFound "notice-not-found" for a version this box never
// stored; kNotFound "notice-language-not-found" (field "lang", listing the version's
// languages) for a language the version has no text in.
Result<ChosenNoticeText> ChooseNoticeText(store::Connection& conn, int64_t version,
                                          const std::optional<std::string>& language,
                                          std::string_view accept_language,
                                          std::span<const std::string> store_languages);

}  // namespace optin::notices
