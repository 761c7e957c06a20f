#include "tools/optin-hq/utc_day.h"

#include <chrono>
#include <cstdio>

namespace optin::hq {
namespace chr = std::chrono;

int64_t UtcDayOf(int64_t unix_seconds) {
  return unix_seconds >= 0 ? unix_seconds / 86400 : -((-unix_seconds + 86399) / 86400);
}

int64_t UtcDayStart(int64_t day) { return day * 86400; }

std::optional<int64_t> UtcDayFromCivil(int64_t year, unsigned month, unsigned day) {
  if (year < 1 || year > 9999) return std::nullopt;
  const chr::year_month_day ymd{chr::year(static_cast<int>(year)), chr::month(month),
                                chr::day(day)};
  if (!ymd.ok()) return std::nullopt;
  return chr::sys_days(ymd).time_since_epoch().count();
}

std::optional<int64_t> ParseIsoDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  auto digits = [&](size_t from, size_t n) -> std::optional<unsigned> {
    unsigned v = 0;
    for (size_t i = from; i < from + n; ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      v = v * 10 + static_cast<unsigned>(text[i] - '0');
    }
    return v;
  };
  auto y = digits(0, 4), m = digits(5, 2), d = digits(8, 2);
  if (!y || !m || !d) return std::nullopt;
  return UtcDayFromCivil(*y, *m, *d);
}

std::string FormatIsoDate(int64_t day) {
  const chr::year_month_day ymd{chr::sys_days(chr::days(day))};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

}  // namespace optin::hq
