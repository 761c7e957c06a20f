#include "tools/optin-hq/csv_writer.h"

#include <cstdlib>

namespace optin::hq {
namespace {

bool IsNumber(const std::string& f) {
  if (f.empty()) return false;
  char* end = nullptr;
  std::strtod(f.c_str(), &end);
  return end == f.c_str() + f.size();
}

}  // namespace

void CsvWriter::Row(const std::vector<std::string>& fields) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) text_ += ',';
    std::string f = fields[i];
    if (!f.empty() && (f[0] == '=' || f[0] == '+' || f[0] == '-' || f[0] == '@') && !IsNumber(f)) {
      f.insert(0, "'");
    }
    if (f.find_first_of(",\"\r\n") != std::string::npos) {
      std::string q = "\"";
      for (char c : f) q += c == '"' ? std::string("\"\"") : std::string(1, c);
      f = q + "\"";
    }
    text_ += f;
  }
  text_ += "\r\n";
}

}  // namespace optin::hq
