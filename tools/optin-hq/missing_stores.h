// Which days a store is *missing*: open that day (by the stores file) and sent nothing for it. A
// missing store's figure is unknown, never zero; the figures say so. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "tools/optin-hq/figures_query.h"
#include "tools/optin-hq/store_info.h"
#include "tools/optin-hq/summary_tables.h"

namespace optin::hq {

// The days of [from_day, to_day] on which `store` was open and that none of `runs` covers, as
// runs of consecutive days, oldest first. `runs` are the store's own (HqStore::ReportedRuns),
// sorted by first day.
std::vector<DayRun> MissingDays(const StoreInfo& store, std::span<const ReportedRun> runs,
                                int64_t from_day, int64_t to_day);

}  // namespace optin::hq
