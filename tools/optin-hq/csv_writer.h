// CSV text (RFC 4180): a header row, then rows; a field with a comma, a quote or a line break is
// quoted, quotes doubled; a field a spreadsheet would run as a formula (=, +, -, @ first, when it
// is not a number) gets a leading apostrophe. Lines end in CRLF. Not thread-safe (one per answer).
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace optin::hq {

class CsvWriter {
 public:
  void Row(const std::vector<std::string>& fields);
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

}  // namespace optin::hq
