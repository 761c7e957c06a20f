// Structured logs: one JSON object per line ({"ts":...,"level":"info","event":"...",...}).
// Callers pass only non-personal values: event names, counts, durations, purposes, error codes.
// Never a pseudonym, token, loyalty id, name or note (PRODUCT.md line 10). Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

namespace optin::platform::log {

enum class Level { kDebug, kInfo, kWarn, kError };

struct Field {
  Field(std::string_view k, std::string_view v) : key(k), value(std::string(v)) {}
  Field(std::string_view k, const char* v) : key(k), value(std::string(v)) {}
  Field(std::string_view k, const std::string& v) : key(k), value(v) {}
  Field(std::string_view k, bool v) : key(k), value(v) {}
  Field(std::string_view k, double v) : key(k), value(v) {}
  template <class I>
    requires std::is_integral_v<I>
  Field(std::string_view k, I v) : key(k), value(static_cast<int64_t>(v)) {}

  std::string_view key;
  std::variant<std::string, int64_t, double, bool> value;
};

void Write(Level level, std::string_view event, std::initializer_list<Field> fields = {});
inline void Debug(std::string_view e, std::initializer_list<Field> f = {}) { Write(Level::kDebug, e, f); }
inline void Info(std::string_view e, std::initializer_list<Field> f = {}) { Write(Level::kInfo, e, f); }
inline void Warn(std::string_view e, std::initializer_list<Field> f = {}) { Write(Level::kWarn, e, f); }
inline void Error(std::string_view e, std::initializer_list<Field> f = {}) { Write(Level::kError, e, f); }

// Where lines go (default: stderr, flushed per line). The sink receives a line without '\n'.
void SetSink(std::function<void(std::string_view line)> sink);
void SetMinLevel(Level level);
// Formats one line exactly as Write would (exposed for tests).
std::string Format(Level level, std::string_view event, std::initializer_list<Field> fields,
                   int64_t unix_millis);

}  // namespace optin::platform::log
