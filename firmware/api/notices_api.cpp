#include "api/notices_api.h"

#include <algorithm>
#include <optional>
#include <string>

#include "api/job_reply.h"
#include "notices/canonical_json.h"
#include "notices/language_match.h"
#include "notices/notice_text_choice.h"

namespace optin::api {
namespace {

using reply::ReadThen;
using reply::Refuse;

constexpr std::string_view kRoute = "GET /v1/notices/{version}";

// The value of `name` in a raw query string, if present.
std::optional<std::string_view> QueryValue(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    const size_t eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      return eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

std::optional<int64_t> ParseVersion(std::string_view v) {
  if (v.empty() || v.size() > 15 || v.front() == '0' ||
      !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return std::stoll(std::string(v));
}

}  // namespace

void NoticesApi::Register(net::Router& router) const {
  router.Add("GET", "/v1/notices/{version}",
             [this](net::Request&& r, net::Responder s) { GetNotice(std::move(r), std::move(s)); });
}

void NoticesApi::GetNotice(net::Request&& request, net::Responder respond) const {
  const std::string_view asked = request.Param("version");
  const bool current = asked == "current";
  std::optional<int64_t> version;
  if (current) {
    if (auto n = d_.notices.Current()) version = n->version;
  } else {
    version = ParseVersion(asked);
  }
  if (!version) {
    return Refuse(respond, kRoute,
                  Error{ErrorCode::kNotFound,
                        "There is no such notice version: use a version number from a receipt "
                        "(notice_version) or \"current\".",
                        {},
                        "notice-not-found"});
  }
  auto lang_param = QueryValue(request.query, "lang");
  if (lang_param && !notices::IsLanguageTag(*lang_param)) {
    return Refuse(respond, kRoute,
                  Error{ErrorCode::kInvalidArgument,
                        "'lang' must be a language tag such as \"it\" or \"de-CH\".", "lang",
                        "invalid-language"});
  }
  std::optional<std::string> lang =
      lang_param ? std::optional<std::string>(std::string(*lang_param)) : std::nullopt;
  std::string accept(request.Header("accept-language"));
  const int64_t v = *version;
  ReadThen<notices::ChosenNoticeText>(
      d_.db, kRoute, std::move(respond),
      [this, v, lang, accept](store::Connection& conn) {
        return notices::ChooseNoticeText(conn, v, lang, accept, d_.notices.languages());
      },
      [v, current, by_header = !lang](const notices::ChosenNoticeText& s) {
        net::Response r;
        r.status = 200;
        r.content_type = "application/json";
        r.headers.emplace_back("Content-Language", s.language);
        r.headers.emplace_back("ETag", "\"" + notices::Sha256Hex(s.canonical) + "\"");
        if (current) {
          r.headers.emplace_back("Cache-Control", "no-cache");
          r.headers.emplace_back("Content-Location",
                                 "/v1/notices/" + std::to_string(v) + "?lang=" + s.language);
        } else {
          // A version's text never changes.
          r.headers.emplace_back("Cache-Control", "public, max-age=86400, immutable");
        }
        if (by_header) r.headers.emplace_back("Vary", "Accept-Language");
        r.body = s.canonical;
        return r;
      });
}

}  // namespace optin::api
