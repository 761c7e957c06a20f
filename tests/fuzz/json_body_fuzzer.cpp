// Fuzzes the API's JSON body path (api/json_body.h): ParseJsonBody with its depth limit and the
// forbidden-field guard, then the member checks the handlers run on what it accepts. Besides
// "no crash, no leak, no undefined behaviour" it checks three properties:
//  - an accepted body holds no forbidden member name and no image-like string at any depth;
//  - a refused forbidden field's `field` is a JSON pointer that resolves inside the body;
//  - the query-string guard refuses exactly the names IsForbiddenName refuses.
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "api/json_body.h"
#include "privacy/forbidden_fields.h"

namespace {

using optin::api::ParseJsonBody;

[[noreturn]] void Broken(const char* what) {
  std::fprintf(stderr, "property violated: %s\n", what);
  std::abort();
}

void CheckClean(const boost::json::value& v) {
  if (v.is_object()) {
    for (const auto& [key, child] : v.as_object()) {
      if (optin::privacy::IsForbiddenName(key)) Broken("an accepted body has a forbidden name");
      CheckClean(child);
    }
  } else if (v.is_array()) {
    for (const auto& child : v.as_array()) CheckClean(child);
  } else if (v.is_string() && optin::privacy::LooksLikeImage(v.as_string())) {
    Broken("an accepted body has an image-like string");
  }
}

void ExerciseMembers(const boost::json::object& body) {
  // What POST /v1/checkins, PUT /v1/me/consents/{purpose} and POST /v1/assist accept.
  (void)optin::api::RequireOnlyMembers(body, {"presence_code", "purposes"});
  (void)optin::api::RequireOnlyMembers(body, {"topic", "expertise", "note", "first_name"}, "/x");
  (void)optin::api::RequiredBool(body, "granted");
  for (const auto& [key, value] : body) {
    auto s = optin::api::OptionalString(body, key, 16);
    if (s && *s) {
      if ((*s)->size() > 16) Broken("OptionalString returned more than max_len");
      for (char c : **s) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          Broken("OptionalString returned a control character");
        }
      }
    }
    if (value.is_object()) (void)optin::api::RequireOnlyMembers(value.as_object(), {"a"}, key);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);

  optin::net::Request request;
  request.method = "POST";
  request.headers.emplace_back("content-type", "application/json; charset=utf-8");
  request.body = std::string(text);
  auto body = ParseJsonBody(request, /*allow_empty=*/true);
  if (body) {
    CheckClean(*body);
    ExerciseMembers(*body);
  } else if (body.error().reason == "forbidden-field" || body.error().reason == "image-refused") {
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(text, ec);
    if (ec) Broken("a forbidden field was reported in a body that does not parse");
    const std::string& pointer = body.error().field;
    if (!pointer.empty()) {
      if (v.find_pointer(pointer, ec) == nullptr)
        Broken("the forbidden field's pointer resolves to nothing");
    }
  }

  // The same bytes as a query string.
  auto query = optin::api::CheckQueryForForbiddenFields(text);
  if (!query) {
    std::string_view name = query.error().field;
    if (name.empty() || name.front() != '?') Broken("a refused parameter is not named ?name");
    if (!optin::privacy::IsForbiddenName(name.substr(1)))
      Broken("a harmless parameter was refused");
  }
  return 0;
}
