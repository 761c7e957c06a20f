#include "notices/canonical_json.h"

#include <algorithm>
#include <boost/json/object.hpp>
#include <cstdint>
#include <vector>

#include "platform/crypto.h"
#include "platform/encoding.h"
#include "privacy/forbidden_fields.h"

namespace optin::notices {
namespace {

namespace json = boost::json;

constexpr int64_t kMaxSafeInteger = (int64_t{1} << 53) - 1;

// The UTF-16 code units of a UTF-8 string (invalid bytes count as U+FFFD; boost::json only
// produces valid UTF-8, so that never happens for parsed text).
std::u16string Utf16(std::string_view s) {
  std::u16string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    uint32_t cp = 0xFFFD;
    size_t len = 1;
    if (b < 0x80) {
      cp = b;
    } else if ((b >> 5) == 0x6 && i + 1 < s.size()) {
      cp = ((b & 0x1Fu) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3Fu);
      len = 2;
    } else if ((b >> 4) == 0xE && i + 2 < s.size()) {
      cp = ((b & 0x0Fu) << 12) | ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 6) |
           (static_cast<unsigned char>(s[i + 2]) & 0x3Fu);
      len = 3;
    } else if ((b >> 3) == 0x1E && i + 3 < s.size()) {
      cp = ((b & 0x07u) << 18) | ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 12) |
           ((static_cast<unsigned char>(s[i + 2]) & 0x3Fu) << 6) |
           (static_cast<unsigned char>(s[i + 3]) & 0x3Fu);
      len = 4;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
    i += len;
  }
  return out;
}

void AppendString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xF]);
        } else {
          out.push_back(ch);  // everything else as is, UTF-8 included ('/' is not escaped)
        }
    }
  }
  out.push_back('"');
}

Status Append(std::string& out, const json::value& v, const std::string& pointer) {
  switch (v.kind()) {
    case json::kind::null:
      out += "null";
      return Ok();
    case json::kind::bool_:
      out += v.get_bool() ? "true" : "false";
      return Ok();
    case json::kind::int64:
    case json::kind::uint64: {
      const bool ok = v.is_int64()
                          ? (v.get_int64() >= -kMaxSafeInteger && v.get_int64() <= kMaxSafeInteger)
                          : v.get_uint64() <= static_cast<uint64_t>(kMaxSafeInteger);
      if (!ok) {
        return Fail(ErrorCode::kInvalidArgument,
                    (pointer.empty() ? "/" : pointer) +
                        ": a whole number beyond +-2^53 has no exact canonical form.",
                    pointer, "not-canonical");
      }
      out += v.is_int64() ? std::to_string(v.get_int64()) : std::to_string(v.get_uint64());
      return Ok();
    }
    case json::kind::double_:
      return Fail(ErrorCode::kInvalidArgument,
                  (pointer.empty() ? "/" : pointer) +
                      ": only whole numbers are allowed here (no fractions or exponents).",
                  pointer, "not-canonical");
    case json::kind::string:
      AppendString(out, v.get_string());
      return Ok();
    case json::kind::array: {
      out.push_back('[');
      const json::array& a = v.get_array();
      for (size_t i = 0; i < a.size(); ++i) {
        if (i > 0) out.push_back(',');
        OPTIN_TRY(Append(out, a[i], pointer + "/" + std::to_string(i)));
      }
      out.push_back(']');
      return Ok();
    }
    case json::kind::object: {
      const json::object& o = v.get_object();
      std::vector<std::pair<std::u16string, const json::key_value_pair*>> members;
      members.reserve(o.size());
      for (const auto& kv : o) members.emplace_back(Utf16(kv.key()), &kv);
      std::sort(members.begin(), members.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      out.push_back('{');
      for (size_t i = 0; i < members.size(); ++i) {
        if (i > 0) out.push_back(',');
        const auto& kv = *members[i].second;
        AppendString(out, kv.key());
        out.push_back(':');
        OPTIN_TRY(
            Append(out, kv.value(), pointer + "/" + privacy::EscapeJsonPointerToken(kv.key())));
      }
      out.push_back('}');
      return Ok();
    }
  }
  return Ok();
}

}  // namespace

bool Utf16Less(std::string_view a, std::string_view b) { return Utf16(a) < Utf16(b); }

Result<std::string> CanonicalJson(const boost::json::value& v) {
  std::string out;
  OPTIN_TRY(Append(out, v, ""));
  return out;
}

std::string Sha256Hex(std::string_view bytes) {
  return platform::HexEncode(platform::Sha256(bytes));
}

}  // namespace optin::notices
