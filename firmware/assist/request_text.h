// Rules for the free text a shopper may attach to a help request: the note (at most 280
// characters, no control or bidirectional-override characters) and the first name (at most 40
// characters: letters, spaces, hyphens, apostrophes). Lengths count Unicode code points of valid
// UTF-8. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "platform/error.h"

namespace optin::assist {

inline constexpr size_t kMaxNoteChars = 280;
inline constexpr size_t kMaxFirstNameChars = 40;

// Code points in valid UTF-8, or nothing when `text` is not valid UTF-8.
std::optional<size_t> Utf8Length(std::string_view text);

// kInvalidArgument naming `field` (a JSON pointer) with reasons "too-long",
// "control-characters", "invalid-utf8" or "invalid-name".
Status CheckNote(std::string_view note, std::string_view field = "/note");
Status CheckFirstName(std::string_view name, std::string_view field = "/first_name");

}  // namespace optin::assist
