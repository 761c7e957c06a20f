// Byte encodings used on the wire and in files: hex, base64 (standard), base64url without
// padding (JWT/JWS), and Crockford base32 (presence codes). Pure functions; thread-safe.
// Bytes are carried in std::string throughout the project.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace optin::platform {

std::string HexEncode(std::string_view bytes);  // lowercase
std::optional<std::string> HexDecode(std::string_view hex);

std::string Base64Encode(std::string_view bytes);  // with padding
std::optional<std::string> Base64Decode(std::string_view text);

std::string Base64UrlEncode(std::string_view bytes);  // no padding
// Accepts only the URL-safe alphabet, no padding, no whitespace.
std::optional<std::string> Base64UrlDecode(std::string_view text);

std::string Base32CrockfordEncode(std::string_view bytes);  // uppercase, no padding

}  // namespace optin::platform
