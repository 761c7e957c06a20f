#include "api/json_body.h"

#include <boost/json/parse.hpp>
#include <cctype>
#include <string>

#include "privacy/forbidden_fields.h"

namespace optin::api {
namespace {

std::string At(std::string_view prefix, std::string_view name) {
  return std::string(prefix) + "/" + std::string(name);
}

constexpr std::string_view kStringInWords = "a string (in quotes)";

}  // namespace

std::string_view JsonTypeName(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null:
      return "null";
    case boost::json::kind::bool_:
      return "true or false";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_:
      return "a number";
    case boost::json::kind::string:
      return "a string";
    case boost::json::kind::array:
      return "a list";
    case boost::json::kind::object:
      return "an object";
  }
  return "an unknown type";
}

Error WrongType(std::string_view name, std::string_view expected, const boost::json::value& sent,
                std::string_view pointer_prefix) {
  return Error{ErrorCode::kInvalidArgument,
               "'" + std::string(name) + "' must be " + std::string(expected) + ", not " +
                   std::string(JsonTypeName(sent)) + ".",
               At(pointer_prefix, name), "invalid-type"};
}

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
  // Media types compare case-insensitively; parameters (charset=utf-8) may follow.
  std::string_view type = request.Header("content-type");
  std::string_view media = type.substr(0, type.find(';'));
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.remove_suffix(1);
  while (!media.empty() && (media.front() == ' ' || media.front() == '\t')) media.remove_prefix(1);
  std::string lower(media);
  for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (lower != "application/json") {
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
  if (auto repeated = privacy::FindDuplicateMember(request.body)) {
    return Fail(
        ErrorCode::kInvalidArgument,
        "The member " + *repeated + " appears more than once in its object; send each member once.",
        *repeated, "duplicate-member");
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
  if (!v->is_string()) return std::unexpected(WrongType(name, kStringInWords, *v, pointer_prefix));
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
  if (!v->is_bool()) return std::unexpected(WrongType(name, "true or false", *v, pointer_prefix));
  return v->as_bool();
}

Result<std::string> RequiredString(const boost::json::object& o, std::string_view name,
                                   size_t max_len, std::string_view pointer_prefix) {
  OPTIN_ASSIGN_OR_RETURN(auto value, OptionalString(o, name, max_len, pointer_prefix));
  if (!value || value->empty()) {
    return Fail(ErrorCode::kInvalidArgument, "'" + std::string(name) + "' is required.",
                At(pointer_prefix, name), "missing-field");
  }
  return std::move(*value);
}

}  // namespace optin::api
