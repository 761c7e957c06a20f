#include "api/answer_language.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <functional>
#include <utility>

#include "notices/api_texts.h"
#include "notices/language_match.h"

namespace optin::api {
namespace {

using notices::ApiTexts;

// The value of header `name` (case-insensitive), or null.
std::string* FindHeader(net::Response& r, std::string_view name) {
  for (auto& [n, v] : r.headers) {
    if (n.size() == name.size() && std::equal(n.begin(), n.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return &v;
    }
  }
  return nullptr;
}

// Vary names Accept-Language (added to a Vary that names other headers).
void VaryOnLanguage(net::Response& r) {
  std::string* vary = FindHeader(r, "Vary");
  if (vary == nullptr) {
    r.headers.emplace_back("Vary", "Accept-Language");
  } else if (vary->find("Accept-Language") == std::string::npos && *vary != "*") {
    *vary += ", Accept-Language";
  }
}

void MarkLanguage(net::Response& r, std::string_view language) {
  if (FindHeader(r, "Content-Language") == nullptr) {
    r.headers.emplace_back("Content-Language", language);
  }
  VaryOnLanguage(r);
}

// The catalog key of an English title (so "Field never accepted" stays that kind of title in
// every language); otherwise the title for the status.
std::string TitleKey(std::string_view english_title, int status) {
  for (std::string_view key : ApiTexts::Keys("en")) {
    if (key.starts_with("title.") && ApiTexts::Template("en", key) == english_title) {
      return std::string(key);
    }
  }
  return "title." + std::to_string(status);
}

std::string StatusDetailKey(int status) {
  std::string key = "detail." + std::to_string(status);
  if (ApiTexts::Template("en", key)) return key;
  return status >= 500 ? "detail.500" : "detail.400";
}

// The detail of problem `slug` in `language`: its own template (naming the field at fault when
// it has one), else the status's sentence followed by the field.
std::string Detail(std::string_view language, int status, std::string_view slug,
                   std::string_view field) {
  const std::string slug_key = "detail." + std::string(slug);
  std::string key = StatusDetailKey(status);
  bool uses_field = false;
  // Inside failures say only the plain sentence; a full disk or a failed write says what
  // happened and what to do.
  if (auto text = ApiTexts::Template("en", slug_key);
      text && (status < 500 || slug == "disk-full" || slug == "storage-failed")) {
    const auto params = ApiTexts::Parameters(*text);
    if (params.empty()) {
      key = slug_key;
    } else if (params == std::vector<std::string>{"field"} && !field.empty()) {
      key = slug_key;
      uses_field = true;
    }
  }
  std::string detail = ApiTexts::Render(language, key, {{"field", field}});
  if (!field.empty() && !uses_field) {
    detail += ' ';
    detail += ApiTexts::Render(language, "detail.at-field", {{"field", field}});
  }
  return detail;
}

}  // namespace

AnswerLanguage::AnswerLanguage(std::vector<std::string> store_languages)
    : languages_(store_languages.empty() ? std::vector<std::string>{"en"}
                                         : std::move(store_languages)) {}

std::string AnswerLanguage::For(const net::Request& request) const {
  return notices::PickLanguage(request.Header("accept-language"), languages_);
}

net::Router::AnswerFilter AnswerLanguage::Filter() const {
  return [self = *this](const net::Request& request) -> std::function<void(net::Response&)> {
    std::string_view path =
        request.path.empty() ? std::string_view(request.target) : std::string_view(request.path);
    if (!path.starts_with("/v1/")) return {};
    return
        [language = self.For(request)](net::Response& response) { Localize(response, language); };
  };
}

void AnswerLanguage::Localize(net::Response& response, std::string_view language) {
  const std::string_view effective = ApiTexts::Effective(language);
  const bool problem = response.content_type == "application/problem+json";
  if (!problem) {
    // A success answer in words says its language itself; make caches key on the header too.
    if (FindHeader(response, "Content-Language") != nullptr) VaryOnLanguage(response);
    return;
  }
  if (effective != "en") {
    boost::system::error_code ec;
    boost::json::value body = boost::json::parse(response.body, ec);
    if (!ec && body.is_object()) {
      boost::json::object& o = body.as_object();
      const int status = response.status;
      std::string english_title;
      if (const auto* t = o.if_contains("title"); t && t->is_string()) {
        english_title = std::string(t->as_string());
      }
      std::string field;
      if (const auto* f = o.if_contains("field"); f && f->is_string()) {
        field = std::string(f->as_string());
      }
      o["title"] = ApiTexts::Render(effective, TitleKey(english_title, status));
      o["detail"] = Detail(effective, status, response.problem, field);
      response.body = boost::json::serialize(o);
    }
  }
  MarkLanguage(response, effective);
}

}  // namespace optin::api
