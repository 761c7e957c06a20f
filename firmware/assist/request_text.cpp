#include "assist/request_text.h"

#include <cstdint>
#include <string>
#include <vector>

namespace optin::assist {
namespace {

// Decodes valid UTF-8 (no overlongs, no surrogates, at most U+10FFFF).
std::optional<std::vector<char32_t>> Decode(std::string_view s) {
  std::vector<char32_t> out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    char32_t cp = 0;
    if (b0 < 0x80) {
      n = 1;
      cp = b0;
    } else if ((b0 & 0xE0) == 0xC0) {
      n = 2;
      cp = b0 & 0x1F;
    } else if ((b0 & 0xF0) == 0xE0) {
      n = 3;
      cp = b0 & 0x0F;
    } else if ((b0 & 0xF8) == 0xF0) {
      n = 4;
      cp = b0 & 0x07;
    } else {
      return std::nullopt;
    }
    if (i + n > s.size()) return std::nullopt;
    for (size_t k = 1; k < n; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (b & 0x3F);
    }
    static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
    out.push_back(cp);
    i += n;
  }
  return out;
}

// C0, DEL, C1, line/paragraph separators, and the bidirectional controls that can make a note
// display differently from what it says (Trojan Source), plus BOM / zero-width no-break space.
bool IsControl(char32_t c) {
  return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x2028 || c == 0x2029 ||
         (c >= 0x200E && c <= 0x200F) || (c >= 0x202A && c <= 0x202E) ||
         (c >= 0x2066 && c <= 0x2069) || c == 0x061C || c == 0xFEFF;
}

// Letters of the common scripts (and combining accents), without a full Unicode table.
bool IsNameLetter(char32_t c) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) return true;
  if (c == 0xD7 || c == 0xF7) return false;  // multiplication and division signs
  return (c >= 0xC0 && c <= 0x24F) ||        // Latin-1 letters, Latin Extended-A/B
         (c >= 0x300 && c <= 0x36F) ||       // combining diacritical marks
         (c >= 0x370 && c <= 0x3FF && c != 0x37E && c != 0x387) ||  // Greek
         (c >= 0x400 && c <= 0x52F) ||                              // Cyrillic
         (c >= 0x531 && c <= 0x587) ||                              // Armenian
         (c >= 0x5D0 && c <= 0x5EA) ||                              // Hebrew letters
         (c >= 0x620 && c <= 0x64A) ||                              // Arabic letters
         (c >= 0x900 && c <= 0xDFF) ||                              // Indic scripts
         (c >= 0xE01 && c <= 0xE3A) ||                              // Thai
         (c >= 0x10A0 && c <= 0x10FF) ||                            // Georgian
         (c >= 0x1E00 && c <= 0x1FFF) ||  // Latin Extended Additional, Greek Extended
         (c >= 0x3041 && c <= 0x30FF) ||  // Hiragana, Katakana
         (c >= 0x4E00 && c <= 0x9FFF) ||  // CJK ideographs
         (c >= 0xAC00 && c <= 0xD7A3);    // Hangul syllables
}

std::unexpected<Error> Bad(std::string message, std::string_view field, std::string reason) {
  return Fail(ErrorCode::kInvalidArgument, std::move(message), std::string(field),
              std::move(reason));
}

}  // namespace

std::optional<size_t> Utf8Length(std::string_view text) {
  auto cps = Decode(text);
  if (!cps) return std::nullopt;
  return cps->size();
}

Status CheckNote(std::string_view note, std::string_view field) {
  auto cps = Decode(note);
  if (!cps) return Bad("The note is not valid UTF-8 text.", field, "invalid-utf8");
  if (cps->size() > kMaxNoteChars) {
    return Bad("The note is " + std::to_string(cps->size()) + " characters long; keep it to " +
                   std::to_string(kMaxNoteChars) + ".",
               field, "too-long");
  }
  for (char32_t c : *cps) {
    if (IsControl(c)) {
      return Bad(
          "The note contains control characters (such as line breaks or tabs). Write it on "
          "one line.",
          field, "control-characters");
    }
  }
  return Ok();
}

Status CheckFirstName(std::string_view name, std::string_view field) {
  auto cps = Decode(name);
  if (!cps) return Bad("The first name is not valid UTF-8 text.", field, "invalid-utf8");
  if (cps->size() > kMaxFirstNameChars) {
    return Bad(
        "The first name is longer than " + std::to_string(kMaxFirstNameChars) + " characters.",
        field, "too-long");
  }
  for (char32_t c : *cps) {
    if (IsControl(c)) {
      return Bad("The first name contains control characters.", field, "control-characters");
    }
  }
  bool first = true;
  for (char32_t c : *cps) {
    const bool letter = IsNameLetter(c);
    const bool joiner = c == ' ' || c == '-' || c == '\'' || c == 0x2019;
    if (!letter && !joiner) {
      return Bad("A first name may hold only letters, spaces, hyphens and apostrophes.", field,
                 "invalid-name");
    }
    if (first && !letter) {
      return Bad("A first name starts with a letter.", field, "invalid-name");
    }
    first = false;
  }
  if (cps->empty())
    return Bad("The first name is empty; leave it out instead.", field, "invalid-name");
  return Ok();
}

}  // namespace optin::assist
