#include "privacy/forbidden_fields.h"

#include <array>
#include <boost/json/parse.hpp>
#include <cctype>
#include <set>
#include <string>

namespace optin::privacy {
namespace {

// Words that, as any part of a member name, mark a field the product never accepts.
constexpr std::array<std::string_view, 27> kForbiddenWords = {
    "age",       "sex",        "gender",      "ethnicity",    "ethnic", "face",     "facial",
    "biometric", "biometrics", "fingerprint", "fingerprints", "photo",  "photos",   "image",
    "images",    "selfie",     "portrait",    "dob",          "birth",  "birthday", "birthdate",
    "iris",      "retina",     "voiceprint",  "mac",          "video",  "camera"};
// Whole names only (as parts they are too common: "race_pace").
constexpr std::array<std::string_view, 3> kForbiddenNames = {"race", "dateofbirth", "macaddress"};

std::optional<Error> Scan(const boost::json::value& v, const std::string& pointer, int depth) {
  if (depth > 64) return std::nullopt;  // the parser already limits depth
  if (v.is_object()) {
    for (const auto& [key, child] : v.as_object()) {
      std::string at = pointer + "/" + EscapeJsonPointerToken(key);
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

}  // namespace

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
  // A data URL anywhere in the text, in any case ("DATA:Image/png"), is refused.
  std::string lower(s);
  for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (lower.find("data:image/") != std::string::npos ||
      lower.find("data:video/") != std::string::npos) {
    return true;
  }
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  if (s.size() < 64) return false;
  // Base64 of JPEG, PNG, GIF and WebP/RIFF headers.
  return s.starts_with("/9j/") || s.starts_with("iVBORw0KGgo") || s.starts_with("R0lGOD") ||
         s.starts_with("UklGR");
}

std::string EscapeJsonPointerToken(std::string_view key) {
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

std::optional<Error> FindForbiddenField(const boost::json::value& v) { return Scan(v, "", 0); }

std::optional<std::string> FindDuplicateMember(std::string_view json) {
  struct Frame {
    bool object = false;
    std::set<std::string> names;  // objects: the names seen so far
    std::string token;            // the pointer token of the value being read
    size_t index = 0;             // arrays: the next element's index
    bool expect_name = true;      // objects: the next string is a member name
  };
  std::vector<Frame> stack;
  auto pointer = [&] {
    std::string p;
    for (const Frame& f : stack) p += "/" + f.token;
    return p;
  };
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (c == '{' || c == '[') {
      if (!stack.empty() && !stack.back().object)
        stack.back().token = std::to_string(stack.back().index);
      stack.emplace_back();
      stack.back().object = c == '{';
    } else if (c == '}' || c == ']') {
      if (!stack.empty()) stack.pop_back();
    } else if (c == ',') {
      if (!stack.empty()) {
        if (stack.back().object) {
          stack.back().expect_name = true;
        } else {
          ++stack.back().index;
        }
      }
    } else if (c == '"') {
      size_t end = i + 1;
      while (end < json.size() && json[end] != '"') end += json[end] == '\\' ? 2 : 1;
      if (!stack.empty() && stack.back().object && stack.back().expect_name) {
        boost::system::error_code ec;
        boost::json::value name = boost::json::parse(json.substr(i, end - i + 1), ec);
        if (ec || !name.is_string()) return std::nullopt;  // not valid JSON: the parser says so
        Frame& f = stack.back();
        std::string key(name.as_string());
        f.token = EscapeJsonPointerToken(key);
        f.expect_name = false;
        if (!f.names.insert(std::move(key)).second) return pointer();
      }
      i = end;
    }
  }
  return std::nullopt;
}

}  // namespace optin::privacy
