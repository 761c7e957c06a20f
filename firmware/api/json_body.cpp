#include "api/json_body.h"

#include <boost/json/parse.hpp>

#include "privacy/forbidden_fields.h"

namespace optin::api {
namespace {

std::string At(std::string_view prefix, std::string_view name) {
  return std::string(prefix) + "/" + std::string(name);
}

}  // namespace

// The list and the scan live in privacy/ so that the offer catalog loader refuses the same names.
std::optional<Error> FindForbiddenField(const boost::json::value& v) {
  return privacy::FindForbiddenField(v);
}

Status CheckQueryForForbiddenFields(std::string_view query) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    std::string_view name = pair.substr(0, pair.find('='));
    if (privacy::IsForbiddenName(name)) {
      return Fail(ErrorCode::kForbiddenField,
                  "The parameter '" + std::string(name) + "' is never accepted.",
                  "?" + std::string(name), "forbidden-field");
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return Ok();
}

Result<boost::json::object> ParseJsonBody(const net::Request& request, bool allow_empty) {
  if (request.body.empty() && allow_empty) return boost::json::object{};
  std::string_view type = request.Header("content-type");
  std::string_view media = type.substr(0, type.find(';'));
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  if (media != "application/json") {
    return Fail(ErrorCode::kInvalidArgument,
                "Send the body as JSON (Content-Type: application/json).", {},
                "unsupported-media-type");
  }
  boost::json::parse_options opts;
  opts.max_depth = 16;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(request.body, ec, {}, opts);
  if (ec) {
    return Fail(ErrorCode::kInvalidArgument, "The body is not valid JSON (" + ec.message() + ").",
                {}, "malformed-json");
  }
  if (auto forbidden = FindForbiddenField(v)) return std::unexpected(std::move(*forbidden));
  if (!v.is_object()) {
    return Fail(ErrorCode::kInvalidArgument, "The body must be a JSON object.", "", "invalid-type");
  }
  return std::move(v.as_object());
}

Status RequireOnlyMembers(const boost::json::object& o,
                          std::initializer_list<std::string_view> allowed,
                          std::string_view pointer_prefix) {
  for (const auto& [key, value] : o) {
    bool known = false;
    for (auto a : allowed) known = known || key == a;
    if (!known) {
      return Fail(ErrorCode::kInvalidArgument, "Unknown field '" + std::string(key) + "'.",
                  At(pointer_prefix, key), "unknown-field");
    }
  }
  return Ok();
}

Result<std::optional<std::string>> OptionalString(const boost::json::object& o,
                                                  std::string_view name, size_t max_len,
                                                  std::string_view pointer_prefix) {
  const auto* v = o.if_contains(name);
  if (v == nullptr || v->is_null()) return std::optional<std::string>();
  if (!v->is_string()) {
    return Fail(ErrorCode::kInvalidArgument, "'" + std::string(name) + "' must be a string.",
                At(pointer_prefix, name), "invalid-type");
  }
  if (v->as_string().size() > max_len) {
    return Fail(
        ErrorCode::kInvalidArgument,
        "'" + std::string(name) + "' is longer than " + std::to_string(max_len) + " characters.",
        At(pointer_prefix, name), "too-long");
  }
  for (char c : v->as_string()) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return Fail(ErrorCode::kInvalidArgument,
                  "'" + std::string(name) + "' contains control characters.",
                  At(pointer_prefix, name), "control-characters");
    }
  }
  return std::optional<std::string>(std::string(v->as_string()));
}

Result<bool> RequiredBool(const boost::json::object& o, std::string_view name,
                          std::string_view pointer_prefix) {
  const auto* v = o.if_contains(name);
  if (v == nullptr) {
    return Fail(ErrorCode::kInvalidArgument, "'" + std::string(name) + "' is required.",
                At(pointer_prefix, name), "missing-field");
  }
  if (!v->is_bool()) {
    return Fail(ErrorCode::kInvalidArgument, "'" + std::string(name) + "' must be true or false.",
                At(pointer_prefix, name), "invalid-type");
  }
  return v->as_bool();
}

}  // namespace optin::api
