#include "api/json_body.h"

#include <array>
#include <boost/json/parse.hpp>
#include <cctype>
#include <vector>

namespace optin::api {
namespace {

// Words that, as any part of a member name, mark a field the product never accepts.
constexpr std::array<std::string_view, 27> kForbiddenWords = {
    "age",       "sex",        "gender",      "ethnicity",    "ethnic", "face",     "facial",
    "biometric", "biometrics", "fingerprint", "fingerprints", "photo",  "photos",   "image",
    "images",    "selfie",     "portrait",    "dob",          "birth",  "birthday", "birthdate",
    "iris",      "retina",     "voiceprint",  "mac",          "video",  "camera"};
// Whole names only (as parts they are too common: "race_pace").
constexpr std::array<std::string_view, 3> kForbiddenNames = {"race", "dateofbirth", "macaddress"};

std::vector<std::string> NameParts(std::string_view name) {
  std::vector<std::string> parts;
  std::string cur;
  for (size_t i = 0; i < name.size(); ++i) {
    unsigned char ch = static_cast<unsigned char>(name[i]);
    bool boundary = ch == '_' || ch == '-' || ch == '.' || ch == ' ';
    bool camel = std::isupper(ch) && i > 0 && std::islower(static_cast<unsigned char>(name[i - 1]));
    if (boundary || camel) {
      if (!cur.empty()) parts.push_back(std::move(cur));
      cur.clear();
      if (boundary) continue;
    }
    cur.push_back(static_cast<char>(std::tolower(ch)));
  }
  if (!cur.empty()) parts.push_back(std::move(cur));
  return parts;
}

bool IsForbiddenName(std::string_view name) {
  auto parts = NameParts(name);
  std::string joined;
  for (const auto& p : parts) {
    joined += p;
    for (auto w : kForbiddenWords) {
      if (p == w) return true;
    }
  }
  for (auto w : kForbiddenNames) {
    if (joined == w) return true;
  }
  return false;
}

bool LooksLikeImage(std::string_view s) {
  if (s.starts_with("data:image/") || s.starts_with("data:video/")) return true;
  if (s.size() < 64) return false;
  // Base64 of JPEG, PNG, GIF and WebP/RIFF headers.
  return s.starts_with("/9j/") || s.starts_with("iVBORw0KGgo") || s.starts_with("R0lGOD") ||
         s.starts_with("UklGR");
}

std::string EscapePointer(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

std::optional<Error> Scan(const boost::json::value& v, const std::string& pointer, int depth) {
  if (depth > 64) return std::nullopt;  // the parser already limits depth
  if (v.is_object()) {
    for (const auto& [key, child] : v.as_object()) {
      std::string at = pointer + "/" + EscapePointer(key);
      if (IsForbiddenName(key)) {
        return Error{ErrorCode::kForbiddenField,
                     "The field '" + std::string(key) +
                         "' is never accepted: this store does not collect age, birth date, sex, "
                         "gender, ethnicity, images, biometric data or device MAC addresses.",
                     at, "forbidden-field"};
      }
      if (auto e = Scan(child, at, depth + 1)) return e;
    }
  } else if (v.is_array()) {
    const auto& a = v.as_array();
    for (size_t i = 0; i < a.size(); ++i) {
      if (auto e = Scan(a[i], pointer + "/" + std::to_string(i), depth + 1)) return e;
    }
  } else if (v.is_string() && LooksLikeImage(v.as_string())) {
    return Error{ErrorCode::kForbiddenField,
                 "Images are never accepted: this store uses no cameras and no facial "
                 "recognition.",
                 pointer, "image-refused"};
  }
  return std::nullopt;
}

std::string At(std::string_view prefix, std::string_view name) {
  return std::string(prefix) + "/" + std::string(name);
}

}  // namespace

std::optional<Error> FindForbiddenField(const boost::json::value& v) { return Scan(v, "", 0); }

Status CheckQueryForForbiddenFields(std::string_view query) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    std::string_view name = pair.substr(0, pair.find('='));
    if (IsForbiddenName(name)) {
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
