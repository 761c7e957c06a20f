// Which stores are *missing* for a day: open that day (by the stores file) and sent nothing for
// it. A missing store's figure is unknown, never zero; the figures say so. Pure functions;
// thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tools/optin-hq/figures_query.h"
#include "tools/optin-hq/store_directory.h"

namespace optin::hq {

// The ids (sorted) of the stores open on `day` that are not in `reporting`.
std::vector<std::string> MissingStores(const StoreDirectory& stores, int64_t day,
                                       const std::set<std::string>& reporting);

// The same for each day of [from_day, to_day], from HqStore::ReportingStores; days on which no
// store is missing are left out.
std::map<int64_t, std::vector<std::string>> MissingStoresByDay(const StoreDirectory& stores,
                                                               int64_t from_day, int64_t to_day,
                                                               const ReportingDays& reporting);

}  // namespace optin::hq
