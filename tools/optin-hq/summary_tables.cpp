#include "tools/optin-hq/summary_tables.h"

#include <algorithm>

namespace optin::hq {

std::optional<DayRunEdit> AddDayToRuns(std::span<const DayRun> nearby, int64_t day) {
  DayRunEdit edit{{}, DayRun{day, day}};
  for (const DayRun& r : nearby) {
    if (r.first_day <= day && day <= r.last_day) return std::nullopt;
    if (r.last_day < day - 1 || r.first_day > day + 1) continue;  // not touching: stays
    edit.delete_first_days.push_back(r.first_day);
    edit.insert.first_day = std::min(edit.insert.first_day, r.first_day);
    edit.insert.last_day = std::max(edit.insert.last_day, r.last_day);
  }
  return edit;
}

}  // namespace optin::hq
