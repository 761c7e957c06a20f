#include "drivers/keyboard_decoder.h"

#include <gtest/gtest.h>
#include <linux/input-event-codes.h>

#include <string>
#include <vector>

namespace optin::drivers::keyboard_decoder_test {
namespace {

using std::chrono::milliseconds;

// One recorded input_event: type, code, value, and its time in ms since the start.
struct Ev {
  uint16_t type;
  uint16_t code;
  int32_t value;
  int ms = 0;
};

// What a keyboard-wedge scanner sends for one key: MSC_SCAN, the key, SYN_REPORT.
void Key(std::vector<Ev>& evs, uint16_t code, int& ms, bool shift = false) {
  if (shift) evs.push_back({EV_KEY, KEY_LEFTSHIFT, 1, ms});
  evs.push_back({EV_MSC, MSC_SCAN, 0x70000 + code, ms});
  evs.push_back({EV_KEY, code, 1, ms});
  evs.push_back({EV_SYN, SYN_REPORT, 0, ms});
  evs.push_back({EV_KEY, code, 0, ms + 1});
  evs.push_back({EV_SYN, SYN_REPORT, 0, ms + 1});
  if (shift) evs.push_back({EV_KEY, KEY_LEFTSHIFT, 0, ms + 1});
  ms += 2;
}

// The keys a US-layout scanner presses to type `text` (then the terminator key).
std::vector<Ev> Typed(std::string_view text, uint16_t terminator = KEY_ENTER, int start_ms = 0) {
  static const std::string kLetters = "abcdefghijklmnopqrstuvwxyz";
  static const uint16_t kLetterCodes[] = {
      KEY_A, KEY_B, KEY_C, KEY_D, KEY_E, KEY_F, KEY_G, KEY_H, KEY_I, KEY_J, KEY_K, KEY_L, KEY_M,
      KEY_N, KEY_O, KEY_P, KEY_Q, KEY_R, KEY_S, KEY_T, KEY_U, KEY_V, KEY_W, KEY_X, KEY_Y, KEY_Z};
  static const std::string kDigits = "1234567890";
  static const std::string kShiftedDigits = "!@#$%^&*()";
  static const uint16_t kDigitCodes[] = {KEY_1, KEY_2, KEY_3, KEY_4, KEY_5,
                                         KEY_6, KEY_7, KEY_8, KEY_9, KEY_0};
  struct P {
    char plain, shifted;
    uint16_t code;
  };
  static const P kPunct[] = {
      {'-', '_', KEY_MINUS},      {'=', '+', KEY_EQUAL},      {'[', '{', KEY_LEFTBRACE},
      {']', '}', KEY_RIGHTBRACE}, {';', ':', KEY_SEMICOLON},  {'\'', '"', KEY_APOSTROPHE},
      {'`', '~', KEY_GRAVE},      {'\\', '|', KEY_BACKSLASH}, {',', '<', KEY_COMMA},
      {'.', '>', KEY_DOT},        {'/', '?', KEY_SLASH},      {' ', ' ', KEY_SPACE}};
  std::vector<Ev> evs;
  int ms = start_ms;
  for (char c : text) {
    if (auto i = kLetters.find(c); i != std::string::npos) {
      Key(evs, kLetterCodes[i], ms);
    } else if (auto u = kLetters.find(static_cast<char>(c - 'A' + 'a'));
               c >= 'A' && c <= 'Z' && u != std::string::npos) {
      Key(evs, kLetterCodes[u], ms, true);
    } else if (auto d = kDigits.find(c); d != std::string::npos) {
      Key(evs, kDigitCodes[d], ms);
    } else if (auto s = kShiftedDigits.find(c); s != std::string::npos) {
      Key(evs, kDigitCodes[s], ms, true);
    } else {
      bool found = false;
      for (const P& p : kPunct) {
        if (p.plain == c || p.shifted == c) {
          Key(evs, p.code, ms, p.plain != c);
          found = true;
          break;
        }
      }
      EXPECT_TRUE(found) << "no key for '" << c << "'";
    }
  }
  if (terminator != 0) Key(evs, terminator, ms);
  return evs;
}

struct Decoded {
  std::vector<std::string> scans;
  std::vector<std::string> refused;  // reason slugs
};

Decoded Play(KeyboardDecoder& decoder, const std::vector<Ev>& evs) {
  Decoded out;
  const platform::MonoTime t0{};
  for (const Ev& e : evs) {
    for (DecodedScan& s : decoder.Feed(e.type, e.code, e.value, t0 + milliseconds(e.ms))) {
      if (s.ok()) {
        out.scans.push_back(s.text);
      } else {
        out.refused.emplace_back(ToString(*s.refusal));
      }
    }
  }
  return out;
}

KeyboardDecoder Decoder(Terminator t = Terminator::kEnter, size_t max_length = 2048) {
  return KeyboardDecoder(t, max_length, milliseconds(300));
}

std::vector<Ev> Concat(std::vector<Ev> a, const std::vector<Ev>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(KeyboardDecoderTest, DecodesAJwtWithOurUsTableWhateverTheHostLayout) {
  // Letters, digits and the punctuation of JWTs and URLs, Shift for capitals and symbols.
  const std::string jwt = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJsLTEyMyJ9.Ab-_c9";
  auto d = Decoder();
  auto out = Play(d, Typed(jwt));
  ASSERT_EQ(out.scans, std::vector<std::string>{jwt});
  EXPECT_TRUE(out.refused.empty());
}

TEST(KeyboardDecoderTest, DecodesUrlPunctuationAndShiftedSymbols) {
  const std::string url = "https://store.example/a?b=c+d&e=f_g~h#i%20!@$^*()[]{};'\",<>|\\`";
  auto d = Decoder();
  EXPECT_EQ(Play(d, Typed(url)).scans, std::vector<std::string>{url});
}

TEST(KeyboardDecoderTest, CapsLockInvertsTheCaseOfLettersOnly) {
  auto d = Decoder();
  std::vector<Ev> evs;
  int ms = 0;
  Key(evs, KEY_CAPSLOCK, ms);
  Key(evs, KEY_A, ms);        // A
  Key(evs, KEY_B, ms, true);  // b (Shift with Caps Lock)
  Key(evs, KEY_1, ms);        // 1 (digits unaffected)
  Key(evs, KEY_CAPSLOCK, ms);
  Key(evs, KEY_C, ms);  // c
  Key(evs, KEY_ENTER, ms);
  EXPECT_EQ(Play(d, evs).scans, std::vector<std::string>{"Ab1c"});
}

TEST(KeyboardDecoderTest, RightShiftAndKeypadKeysWork) {
  auto d = Decoder();
  std::vector<Ev> evs = {
      {EV_KEY, KEY_RIGHTSHIFT, 1}, {EV_KEY, KEY_A, 1},     {EV_KEY, KEY_A, 0},
      {EV_KEY, KEY_RIGHTSHIFT, 0}, {EV_KEY, KEY_KP4, 1},   {EV_KEY, KEY_KP4, 0},
      {EV_KEY, KEY_KPMINUS, 1},    {EV_KEY, KEY_KPDOT, 1}, {EV_KEY, KEY_KPENTER, 1}};
  EXPECT_EQ(Play(d, evs).scans, std::vector<std::string>{"A4-."});
}

TEST(KeyboardDecoderTest, EachScanEndsAtTheTerminatorKey) {
  auto d = Decoder();
  auto out = Play(d, Concat(Typed("first"), Typed("second", KEY_ENTER, 10)));
  EXPECT_EQ(out.scans, (std::vector<std::string>{"first", "second"}));
}

TEST(KeyboardDecoderTest, TabTerminatorEndsScansAndEnterThenRefusesOne) {
  auto d = Decoder(Terminator::kTab);
  auto out = Play(d, Typed("code1", KEY_TAB));
  EXPECT_EQ(out.scans, std::vector<std::string>{"code1"});
  out = Play(d, Concat(Typed("code2", KEY_ENTER, 20), Typed("", KEY_TAB, 40)));
  EXPECT_TRUE(out.scans.empty());
  EXPECT_EQ(out.refused, std::vector<std::string>{"control-character"});
}

TEST(KeyboardDecoderTest, CrAndLfTerminatorsMeanTheEnterKey) {
  for (Terminator t : {Terminator::kCr, Terminator::kLf}) {
    auto d = Decoder(t);
    EXPECT_EQ(Play(d, Typed("abc")).scans, std::vector<std::string>{"abc"}) << ToString(t);
  }
}

TEST(KeyboardDecoderTest, AltNumpadDecimalSequencesTypeCharactersLikeDatalogicSends) {
  // Recorded from a Datalogic scanner in "Alt mode": Alt held, keypad 0 6 5, Alt released = 'A'
  // (the leading 0 selects the ANSI code page); "Alt 46" = '.'; "Alt 013" = Enter.
  auto d = Decoder();
  std::vector<Ev> evs;
  auto alt_code = [&evs](std::vector<uint16_t> keys, int ms) {
    evs.push_back({EV_KEY, KEY_LEFTALT, 1, ms});
    for (uint16_t k : keys) {
      evs.push_back({EV_MSC, MSC_SCAN, 0x70000 + k, ms});
      evs.push_back({EV_KEY, k, 1, ms});
      evs.push_back({EV_SYN, SYN_REPORT, 0, ms});
      evs.push_back({EV_KEY, k, 0, ms});
      evs.push_back({EV_SYN, SYN_REPORT, 0, ms});
    }
    evs.push_back({EV_KEY, KEY_LEFTALT, 0, ms + 1});
    evs.push_back({EV_SYN, SYN_REPORT, 0, ms + 1});
  };
  alt_code({KEY_KP0, KEY_KP6, KEY_KP5}, 0);  // A
  alt_code({KEY_KP4, KEY_KP6}, 2);           // .
  alt_code({KEY_KP5, KEY_KP5}, 4);           // 7
  alt_code({KEY_KP0, KEY_KP1, KEY_KP3}, 6);  // CR: the terminator
  auto out = Play(d, evs);
  EXPECT_EQ(out.scans, std::vector<std::string>{"A.7"});
  EXPECT_TRUE(out.refused.empty());
}

TEST(KeyboardDecoderTest, AltNumpadMixesWithPlainKeysAndRefusesNonAscii) {
  auto d = Decoder();
  std::vector<Ev> evs = Typed("ab", 0);
  evs.push_back({EV_KEY, KEY_RIGHTALT, 1, 5});
  evs.push_back({EV_KEY, KEY_KP9, 1, 5});
  evs.push_back({EV_KEY, KEY_KP0, 1, 5});
  evs.push_back({EV_KEY, KEY_RIGHTALT, 0, 5});  // 'Z'
  int ms = 6;
  Key(evs, KEY_ENTER, ms);
  auto out = Play(d, evs);
  EXPECT_EQ(out.scans, std::vector<std::string>{"abZ"});

  std::vector<Ev> latin1 = {{EV_KEY, KEY_LEFTALT, 1, 20}, {EV_KEY, KEY_KP2, 1, 20},
                            {EV_KEY, KEY_KP3, 1, 20},     {EV_KEY, KEY_KP3, 1, 20},
                            {EV_KEY, KEY_LEFTALT, 0, 20}, {EV_KEY, KEY_ENTER, 1, 21}};
  out = Play(d, latin1);  // Alt 233 = 'é' in Latin-1: not a character our codes use
  EXPECT_TRUE(out.scans.empty());
  EXPECT_EQ(out.refused, std::vector<std::string>{"not-ascii"});
}

TEST(KeyboardDecoderTest, PartialScanIsDroppedAfterThePartialTimeout) {
  auto d = Decoder();
  // "1234" then nothing for 400 ms (> 300 ms), then a whole scan.
  auto out = Play(d, Concat(Typed("1234", 0, 0), Typed("5678", KEY_ENTER, 400)));
  EXPECT_EQ(out.scans, std::vector<std::string>{"5678"});
  EXPECT_EQ(out.refused, std::vector<std::string>{"incomplete"});
}

TEST(KeyboardDecoderTest, IdleExpiryDropsAStalePartialScan) {
  auto d = Decoder();
  Play(d, Typed("12", 0, 0));
  const platform::MonoTime t0{};
  ASSERT_TRUE(d.deadline().has_value());
  EXPECT_FALSE(d.Expire(t0 + milliseconds(100)).has_value());
  auto dropped = d.Expire(t0 + milliseconds(500));
  ASSERT_TRUE(dropped.has_value());
  EXPECT_EQ(dropped->refusal, ScanRefusal::kIncomplete);
  EXPECT_TRUE(dropped->text.empty());
  EXPECT_FALSE(d.deadline().has_value());
}

TEST(KeyboardDecoderTest, OverLongScanIsRefusedAndTheNextOneIsRead) {
  auto d = Decoder(Terminator::kEnter, 8);
  auto out = Play(d, Concat(Typed("123456789"), Typed("12345678", KEY_ENTER, 30)));
  EXPECT_EQ(out.scans, std::vector<std::string>{"12345678"});
  EXPECT_EQ(out.refused, std::vector<std::string>{"too-long"});
}

TEST(KeyboardDecoderTest, ControlCharactersRefuseTheScan) {
  struct Case {
    const char* name;
    std::vector<Ev> evs;
  };
  std::vector<Case> cases = {
      {"ctrl+j",
       {{EV_KEY, KEY_A, 1},
        {EV_KEY, KEY_LEFTCTRL, 1},
        {EV_KEY, KEY_J, 1},
        {EV_KEY, KEY_LEFTCTRL, 0},
        {EV_KEY, KEY_ENTER, 1}}},
      {"backspace", {{EV_KEY, KEY_A, 1}, {EV_KEY, KEY_BACKSPACE, 1}, {EV_KEY, KEY_ENTER, 1}}},
      {"alt 7 (bell)",
       {{EV_KEY, KEY_A, 1},
        {EV_KEY, KEY_LEFTALT, 1},
        {EV_KEY, KEY_KP7, 1},
        {EV_KEY, KEY_LEFTALT, 0},
        {EV_KEY, KEY_ENTER, 1}}},
      {"alt+f",
       {{EV_KEY, KEY_A, 1},
        {EV_KEY, KEY_LEFTALT, 1},
        {EV_KEY, KEY_F, 1},
        {EV_KEY, KEY_LEFTALT, 0},
        {EV_KEY, KEY_ENTER, 1}}},
  };
  for (const Case& c : cases) {
    auto d = Decoder();
    auto out = Play(d, c.evs);
    EXPECT_TRUE(out.scans.empty()) << c.name;
    EXPECT_EQ(out.refused, std::vector<std::string>{"control-character"}) << c.name;
    // The decoder keeps reading: the next scan is fine.
    EXPECT_EQ(Play(d, Typed("ok", KEY_ENTER, 1)).scans, std::vector<std::string>{"ok"}) << c.name;
  }
}

TEST(KeyboardDecoderTest, UnknownKeysRefuseTheScan) {
  auto d = Decoder();
  auto out = Play(d, {{EV_KEY, KEY_A, 1}, {EV_KEY, KEY_F1, 1}, {EV_KEY, KEY_ENTER, 1}});
  EXPECT_EQ(out.refused, std::vector<std::string>{"unknown-key"});
}

TEST(KeyboardDecoderTest, AutoRepeatTypesTheHeldKeyAgain) {
  auto d = Decoder();
  auto out = Play(d, {{EV_KEY, KEY_7, 1},
                      {EV_KEY, KEY_7, 2},
                      {EV_KEY, KEY_7, 2},
                      {EV_KEY, KEY_7, 0},
                      {EV_KEY, KEY_ENTER, 1}});
  EXPECT_EQ(out.scans, std::vector<std::string>{"777"});
}

TEST(KeyboardDecoderTest, AStuckKeyBecomesAnOverLongScanNotUnboundedMemory) {
  auto d = Decoder(Terminator::kEnter, 64);
  std::vector<Ev> evs{{EV_KEY, KEY_0, 1}};
  for (int i = 0; i < 10'000; ++i) evs.push_back({EV_KEY, KEY_0, 2});
  evs.push_back({EV_KEY, KEY_ENTER, 1});
  EXPECT_EQ(Play(d, evs).refused, std::vector<std::string>{"too-long"});
}

TEST(KeyboardDecoderTest, EnterAloneProducesNothing) {
  auto d = Decoder();
  auto out = Play(d, Typed(""));
  EXPECT_TRUE(out.scans.empty());
  EXPECT_TRUE(out.refused.empty());
}

TEST(KeyboardDecoderTest, ResetForgetsHeldModifiersAndThePartialScan) {
  auto d = Decoder();
  Play(d, {{EV_KEY, KEY_LEFTSHIFT, 1}, {EV_KEY, KEY_A, 1}});
  d.Reset();  // the scanner was unplugged with Shift held
  EXPECT_EQ(Play(d, Typed("a")).scans, std::vector<std::string>{"a"});
}

}  // namespace
}  // namespace optin::drivers::keyboard_decoder_test
