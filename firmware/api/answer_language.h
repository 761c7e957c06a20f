// The language the API answers a request in: of the store's languages ([store] languages, the
// first its default), the one Accept-Language picks (q-values, "*", q=0, fallback to the
// default). As the public router's answer filter it rewrites every /v1/ problem's title and
// detail in that language (notices::ApiTexts) and marks the answer with Content-Language and
// Vary: Accept-Language. Immutable after construction; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "net/http_message.h"
#include "net/router.h"

namespace optin::api {

class AnswerLanguage {
 public:
  // `store_languages`: non-empty, the first the default (an empty list means {"en"}).
  explicit AnswerLanguage(std::vector<std::string> store_languages);

  // The store language for this request (its Accept-Language header).
  std::string For(const net::Request& request) const;
  // The filter for net::Router::SetAnswerFilter (it keeps its own copy of the languages):
  // requests under /v1/ only.
  net::Router::AnswerFilter Filter() const;

  // Rewrites a problem+json answer's title and detail in `language` (English keeps the
  // domain's own sentence), keeping its type, status, field and other members; then sets
  // Content-Language (the language the words are in) and Vary on any answer. A success answer
  // that names no Content-Language is left as it is.
  static void Localize(net::Response& response, std::string_view language);

 private:
  std::vector<std::string> languages_;
};

}  // namespace optin::api
