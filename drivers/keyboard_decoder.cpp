#include "drivers/keyboard_decoder.h"

#include <linux/input-event-codes.h>

#include <array>

namespace optin::drivers {
namespace {

// Our fixed US layout: what each key types without and with Shift. Letters get their case
// from Shift xor Caps Lock. Keys not listed here are unknown and taint the scan.
struct KeyChars {
  char plain = 0;
  char shifted = 0;
  bool letter = false;
  bool keypad = false;  // a keypad key (Alt+keypad digits form character codes)
  int digit = -1;       // keypad digit value
};

constexpr std::array<KeyChars, KEY_MAX + 1> MakeTable() {
  std::array<KeyChars, KEY_MAX + 1> t{};
  auto key = [&t](int code, char plain, char shifted) { t[code] = {plain, shifted}; };
  auto letter = [&t](int code, char c) { t[code] = {c, static_cast<char>(c - 'a' + 'A'), true}; };
  auto keypad = [&t](int code, char c, int digit) { t[code] = {c, c, false, true, digit}; };
  key(KEY_1, '1', '!');
  key(KEY_2, '2', '@');
  key(KEY_3, '3', '#');
  key(KEY_4, '4', '$');
  key(KEY_5, '5', '%');
  key(KEY_6, '6', '^');
  key(KEY_7, '7', '&');
  key(KEY_8, '8', '*');
  key(KEY_9, '9', '(');
  key(KEY_0, '0', ')');
  key(KEY_MINUS, '-', '_');
  key(KEY_EQUAL, '=', '+');
  key(KEY_LEFTBRACE, '[', '{');
  key(KEY_RIGHTBRACE, ']', '}');
  key(KEY_SEMICOLON, ';', ':');
  key(KEY_APOSTROPHE, '\'', '"');
  key(KEY_GRAVE, '`', '~');
  key(KEY_BACKSLASH, '\\', '|');
  key(KEY_COMMA, ',', '<');
  key(KEY_DOT, '.', '>');
  key(KEY_SLASH, '/', '?');
  key(KEY_SPACE, ' ', ' ');
  letter(KEY_A, 'a');
  letter(KEY_B, 'b');
  letter(KEY_C, 'c');
  letter(KEY_D, 'd');
  letter(KEY_E, 'e');
  letter(KEY_F, 'f');
  letter(KEY_G, 'g');
  letter(KEY_H, 'h');
  letter(KEY_I, 'i');
  letter(KEY_J, 'j');
  letter(KEY_K, 'k');
  letter(KEY_L, 'l');
  letter(KEY_M, 'm');
  letter(KEY_N, 'n');
  letter(KEY_O, 'o');
  letter(KEY_P, 'p');
  letter(KEY_Q, 'q');
  letter(KEY_R, 'r');
  letter(KEY_S, 's');
  letter(KEY_T, 't');
  letter(KEY_U, 'u');
  letter(KEY_V, 'v');
  letter(KEY_W, 'w');
  letter(KEY_X, 'x');
  letter(KEY_Y, 'y');
  letter(KEY_Z, 'z');
  // The keypad types digits (Num Lock assumed on, as scanners assume).
  keypad(KEY_KP0, '0', 0);
  keypad(KEY_KP1, '1', 1);
  keypad(KEY_KP2, '2', 2);
  keypad(KEY_KP3, '3', 3);
  keypad(KEY_KP4, '4', 4);
  keypad(KEY_KP5, '5', 5);
  keypad(KEY_KP6, '6', 6);
  keypad(KEY_KP7, '7', 7);
  keypad(KEY_KP8, '8', 8);
  keypad(KEY_KP9, '9', 9);
  keypad(KEY_KPMINUS, '-', -1);
  keypad(KEY_KPPLUS, '+', -1);
  keypad(KEY_KPDOT, '.', -1);
  keypad(KEY_KPSLASH, '/', -1);
  keypad(KEY_KPASTERISK, '*', -1);
  keypad(KEY_KPEQUAL, '=', -1);
  return t;
}

constexpr std::array<KeyChars, KEY_MAX + 1> kUsTable = MakeTable();

constexpr int kMaxAltDigits = 4;  // "Alt 0065": a leading zero selects the ANSI code page

}  // namespace

KeyboardDecoder::KeyboardDecoder(Terminator terminator, size_t max_length,
                                 std::chrono::milliseconds partial_timeout)
    : terminator_(terminator), text_(max_length, partial_timeout) {}

std::vector<DecodedScan> KeyboardDecoder::Feed(uint16_t type, uint16_t code, int32_t value,
                                               platform::MonoTime now) {
  std::vector<DecodedScan> out;
  if (type != EV_KEY || code > KEY_MAX) return out;  // EV_SYN, EV_MSC scan codes, LEDs
  if (value == 0) {
    Release(code, now, out);
  } else {
    Press(code, now, out);  // 1: press, 2: auto-repeat (a held key types again)
  }
  return out;
}

void KeyboardDecoder::Press(uint16_t code, platform::MonoTime now, std::vector<DecodedScan>& out) {
  if (auto stale = text_.ExpireIfStale(now)) out.push_back(std::move(*stale));
  switch (code) {
    case KEY_LEFTSHIFT:
      left_shift_ = true;
      return;
    case KEY_RIGHTSHIFT:
      right_shift_ = true;
      return;
    case KEY_LEFTALT:
      left_alt_ = true;
      return;
    case KEY_RIGHTALT:
      right_alt_ = true;
      return;
    case KEY_LEFTCTRL:
      left_ctrl_ = true;
      return;
    case KEY_RIGHTCTRL:
      right_ctrl_ = true;
      return;
    case KEY_LEFTMETA:
      left_meta_ = true;
      return;
    case KEY_RIGHTMETA:
      right_meta_ = true;
      return;
    case KEY_CAPSLOCK:
      caps_lock_ = !caps_lock_;
      return;
    case KEY_NUMLOCK:
    case KEY_SCROLLLOCK:
      return;
    default:
      break;
  }
  if (ctrl() || meta()) return text_.Taint(ScanRefusal::kControlCharacter, now);

  const bool enter = code == KEY_ENTER || code == KEY_KPENTER;
  const bool tab = code == KEY_TAB;
  if (enter || tab) {
    if (alt()) return text_.Taint(ScanRefusal::kControlCharacter, now);
    const bool is_terminator =
        tab ? terminator_ == Terminator::kTab : terminator_ != Terminator::kTab;  // enter, cr, lf
    if (is_terminator) return Terminate(out);
    return text_.Taint(ScanRefusal::kControlCharacter, now);
  }

  const KeyChars& k = kUsTable[code];
  if (alt()) {
    // Alt + keypad digits spell a character code; any other key with Alt is a shortcut.
    if (k.keypad && k.digit >= 0 && alt_digits_ < kMaxAltDigits) {
      alt_code_ = alt_code_ * 10 + k.digit;
      ++alt_digits_;
      return;
    }
    return text_.Taint(ScanRefusal::kControlCharacter, now);
  }
  if (k.plain == 0) {
    if (code == KEY_BACKSPACE || code == KEY_ESC || code == KEY_DELETE) {
      return text_.Taint(ScanRefusal::kControlCharacter, now);
    }
    return text_.Taint(ScanRefusal::kUnknownKey, now);
  }
  bool upper = shift();
  if (k.letter && caps_lock_) upper = !upper;
  text_.Add(upper ? k.shifted : k.plain, now);
}

void KeyboardDecoder::Release(uint16_t code, platform::MonoTime now,
                              std::vector<DecodedScan>& out) {
  switch (code) {
    case KEY_LEFTSHIFT:
      left_shift_ = false;
      return;
    case KEY_RIGHTSHIFT:
      right_shift_ = false;
      return;
    case KEY_LEFTCTRL:
      left_ctrl_ = false;
      return;
    case KEY_RIGHTCTRL:
      right_ctrl_ = false;
      return;
    case KEY_LEFTMETA:
      left_meta_ = false;
      return;
    case KEY_RIGHTMETA:
      right_meta_ = false;
      return;
    case KEY_LEFTALT:
      left_alt_ = false;
      break;
    case KEY_RIGHTALT:
      right_alt_ = false;
      break;
    default:
      return;
  }
  // The last Alt released: the keypad digits typed meanwhile are one character.
  if (alt() || alt_digits_ == 0) return;
  const int code_point = alt_code_;
  alt_code_ = 0;
  alt_digits_ = 0;
  if (auto stale = text_.ExpireIfStale(now)) out.push_back(std::move(*stale));
  const bool is_terminator =
      (code_point == '\t' && terminator_ == Terminator::kTab) ||
      (code_point == '\r' &&
       (terminator_ == Terminator::kEnter || terminator_ == Terminator::kCr)) ||
      (code_point == '\n' && (terminator_ == Terminator::kEnter || terminator_ == Terminator::kLf));
  if (is_terminator) return Terminate(out);
  if (code_point > 0x7f) return text_.Taint(ScanRefusal::kNotAscii, now);
  text_.Add(static_cast<char>(code_point), now);
}

void KeyboardDecoder::Terminate(std::vector<DecodedScan>& out) {
  if (auto scan = text_.Finish()) out.push_back(std::move(*scan));
}

void KeyboardDecoder::Reset() {
  text_.Reset();
  left_shift_ = right_shift_ = left_alt_ = right_alt_ = false;
  left_ctrl_ = right_ctrl_ = left_meta_ = right_meta_ = false;
  caps_lock_ = false;
  alt_code_ = 0;
  alt_digits_ = 0;
}

}  // namespace optin::drivers
