#include "tools/optin-hq/missing_stores.h"

#include <algorithm>

namespace optin::hq {

std::vector<DayRun> MissingDays(const StoreInfo& store, std::span<const ReportedRun> runs,
                                int64_t from_day, int64_t to_day) {
  std::vector<DayRun> out;
  int64_t next = std::max(from_day, store.opened_day);  // the first day not yet accounted for
  const int64_t last = store.closed_day ? std::min(to_day, *store.closed_day - 1) : to_day;
  for (const ReportedRun& r : runs) {
    if (next > last) break;
    if (r.last_day < next) continue;
    if (r.first_day > last) break;
    if (r.first_day > next) out.push_back(DayRun{next, r.first_day - 1});
    next = r.last_day + 1;
  }
  if (next <= last) out.push_back(DayRun{next, last});
  return out;
}

}  // namespace optin::hq
