#include "platform/log.h"

#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <mutex>

namespace optin::platform::log {
namespace {

struct Logger {
  std::mutex mu;
  std::function<void(std::string_view)> sink;  // GUARDED_BY(mu); empty = stderr
  std::atomic<Level> min_level{Level::kInfo};
};

Logger& TheLogger() {
  static Logger* logger = new Logger();  // never destroyed: logging may run during exit
  return *logger;
}

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is not valid.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  size_t len;
  uint32_t min;
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    len = 2;
    min = 0x80;
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    len = 3;
    min = 0x800;
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    len = 4;
    min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  uint32_t cp = b0 & (0x7f >> len);
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return len;
}

// Appends `s` as a JSON string literal. Control characters become \u00XX; bytes that are not
// valid UTF-8 become U+FFFD so that the line is always valid JSON.
void AppendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
      ++i;
    } else if (c < 0x20 || c == 0x7f) {
      out.append("\\u00");
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
      ++i;
    } else if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++i;
    } else if (const size_t len = Utf8SequenceLength(s, i); len > 0) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out.append("\\ufffd");
      ++i;
    }
  }
  out.push_back('"');
}

void AppendValue(std::string& out, const std::variant<std::string, int64_t, double, bool>& v) {
  if (const auto* s = std::get_if<std::string>(&v)) {
    AppendJsonString(out, *s);
  } else if (const auto* i = std::get_if<int64_t>(&v)) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, *i);
    out.append(buf, r.ptr);
  } else if (const auto* d = std::get_if<double>(&v)) {
    if (!std::isfinite(*d)) {
      out.append("null");
    } else {
      char buf[32];
      const auto r = std::to_chars(buf, buf + sizeof buf, *d);  // shortest round-trip form
      out.append(buf, r.ptr);
    }
  } else {
    out.append(std::get<bool>(v) ? "true" : "false");
  }
}

// RFC 3339 UTC with milliseconds: 2026-11-23T14:38:36.123Z
void AppendTimestamp(std::string& out, int64_t unix_millis) {
  using namespace std::chrono;
  const sys_time<milliseconds> t{milliseconds(unix_millis)};
  const sys_days day = floor<days>(t);
  const year_month_day ymd(day);
  const hh_mm_ss<milliseconds> tod(t - day);
  char buf[40];
  const int n = std::snprintf(
      buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(ymd.year()),
      static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
      static_cast<int>(tod.hours().count()), static_cast<int>(tod.minutes().count()),
      static_cast<int>(tod.seconds().count()), static_cast<int>(tod.subseconds().count()));
  out.append(buf, static_cast<size_t>(n));
}

}  // namespace

std::string Format(Level level, std::string_view event, std::initializer_list<Field> fields,
                   int64_t unix_millis) {
  std::string out;
  out.reserve(96 + 32 * fields.size());
  out.append("{\"ts\":\"");
  AppendTimestamp(out, unix_millis);
  out.append("\",\"level\":\"");
  out.append(LevelName(level));
  out.append("\",\"event\":");
  AppendJsonString(out, event);
  for (const Field& field : fields) {
    out.push_back(',');
    AppendJsonString(out, field.key);
    out.push_back(':');
    AppendValue(out, field.value);
  }
  out.push_back('}');
  return out;
}

void Write(Level level, std::string_view event, std::initializer_list<Field> fields) {
  Logger& logger = TheLogger();
  if (level < logger.min_level.load(std::memory_order_relaxed)) return;
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  std::string line = Format(level, event, fields, now);
  line.push_back('\n');
  // Held while writing so that lines from different threads never interleave. A sink must not
  // log itself.
  std::lock_guard lock(logger.mu);
  if (logger.sink) {
    logger.sink(std::string_view(line).substr(0, line.size() - 1));
  } else {
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
  }
}

void SetSink(std::function<void(std::string_view line)> sink) {
  Logger& logger = TheLogger();
  std::lock_guard lock(logger.mu);
  logger.sink = std::move(sink);
}

void SetMinLevel(Level level) { TheLogger().min_level.store(level); }

}  // namespace optin::platform::log
