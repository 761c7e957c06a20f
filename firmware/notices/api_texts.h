// The API's own words in every built-in language (en, it, es, de, fr): problem titles and
// details, offer reasons, the notes of GET /v1/offers and the statements of GET /v1/me/why.
// One message catalog per language, keyed alike; a template names its parameters in braces
// ("The field {field} is required."). Immutable tables and pure functions; thread-safe.
#pragma once

#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace optin::notices {

class ApiTexts {
 public:
  using Param = std::pair<std::string_view, std::string_view>;

  // The languages that have a catalog, English first (the catalog every other one mirrors).
  static std::span<const std::string_view> Languages();
  // True when `language` (exactly one of Languages()) has a catalog.
  static bool Has(std::string_view language);
  // The keys of `language`'s catalog, in table order (empty for a language without one).
  static std::vector<std::string_view> Keys(std::string_view language);
  // The template of `key` in `language`, or nothing when either is unknown.
  static std::optional<std::string_view> Template(std::string_view language, std::string_view key);
  // The parameter names a template uses, sorted, each once ("{field}" -> "field").
  static std::vector<std::string> Parameters(std::string_view text);
  // `key` in `language` (English when that language has no catalog) with each {name} replaced
  // by its value; a parameter not given stays as written. Empty for an unknown key.
  static std::string Render(std::string_view language, std::string_view key,
                            std::initializer_list<Param> params = {});
  // The language Render answers in for `language`: itself when it has a catalog, else "en".
  static std::string_view Effective(std::string_view language);
};

}  // namespace optin::notices
