// The rules for a help request's note and first name: lengths in characters, no control or
// bidirectional-override characters, names of letters, spaces, hyphens and apostrophes.
#include "assist/request_text.h"

#include <gtest/gtest.h>

#include <string>

namespace optin::assist::request_text_test {
namespace {

std::string Repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

std::string ReasonOf(const Status& s) { return s ? "ok" : s.error().reason; }

TEST(RequestTextTest, NoteLengthCountsCharactersNotBytes) {
  EXPECT_EQ(ReasonOf(CheckNote(Repeat("é", 280))), "ok");
  EXPECT_EQ(ReasonOf(CheckNote(Repeat("é", 281))), "too-long");
  EXPECT_EQ(ReasonOf(CheckNote(std::string(280, 'a'))), "ok");
  EXPECT_EQ(ReasonOf(CheckNote(std::string(281, 'a'))), "too-long");
  EXPECT_EQ(Utf8Length("naïve 🙂"), 7u);
}

TEST(RequestTextTest, NoteWithControlCharactersIsRefused) {
  for (const std::string& bad :
       {std::string("a\nb"), std::string("a\tb"), std::string("a\x7f"), std::string("a\0b", 3),
        std::string("a\u0085b"), std::string("evil \u202Etxt.exe"), std::string("\u2066x")}) {
    auto s = CheckNote(bad);
    EXPECT_EQ(ReasonOf(s), "control-characters") << bad;
    if (!s) {
      EXPECT_EQ(s.error().field, "/note");
    }
  }
  EXPECT_EQ(ReasonOf(CheckNote("Size 42, in blue — and a café au lait? 😊")), "ok");
}

TEST(RequestTextTest, InvalidUtf8IsRefused) {
  EXPECT_EQ(ReasonOf(CheckNote("\xC3")), "invalid-utf8");
  EXPECT_EQ(ReasonOf(CheckNote("\xC0\xAF")), "invalid-utf8");      // overlong '/'
  EXPECT_EQ(ReasonOf(CheckNote("\xED\xA0\x80")), "invalid-utf8");  // surrogate
  EXPECT_EQ(ReasonOf(CheckFirstName("\xFF")), "invalid-utf8");
}

TEST(RequestTextTest, FirstNamesAreLettersSpacesHyphensAndApostrophes) {
  for (const char* ok :
       {"Zoë", "Anne-Marie", "O'Brien", "José María", "Łukasz", "Дмитрий", "さくら", "D’Arcy"}) {
    EXPECT_EQ(ReasonOf(CheckFirstName(ok)), "ok") << ok;
  }
  for (const char* bad : {"R2D2", "<b>Bo</b>", " Ann", "-Ann", "Ann!", "a@b", "Ann\tB"}) {
    auto s = CheckFirstName(bad);
    EXPECT_NE(ReasonOf(s), "ok") << bad;
    if (!s) {
      EXPECT_EQ(s.error().field, "/first_name");
    }
  }
  EXPECT_NE(ReasonOf(CheckFirstName("")), "ok");
  EXPECT_EQ(ReasonOf(CheckFirstName(std::string(40, 'a'))), "ok");
  EXPECT_EQ(ReasonOf(CheckFirstName(std::string(41, 'a'))), "too-long");
}

}  // namespace
}  // namespace optin::assist::request_text_test
