#include "tools/optin-hq/missing_stores.h"

namespace optin::hq {

std::vector<std::string> MissingStores(const StoreDirectory& stores, int64_t day,
                                       const std::set<std::string>& reporting) {
  std::vector<std::string> missing;
  for (const StoreInfo& s : stores.stores()) {
    if (s.OpenOn(day) && !reporting.contains(s.id)) missing.push_back(s.id);
  }
  return missing;
}

std::map<int64_t, std::vector<std::string>> MissingStoresByDay(const StoreDirectory& stores,
                                                               int64_t from_day, int64_t to_day,
                                                               const ReportingDays& reporting) {
  static const std::set<std::string> kNobody;
  std::map<int64_t, std::vector<std::string>> out;
  for (int64_t day = from_day; day <= to_day; ++day) {
    auto it = reporting.find(day);
    auto missing = MissingStores(stores, day, it == reporting.end() ? kNobody : it->second);
    if (!missing.empty()) out.emplace(day, std::move(missing));
  }
  return out;
}

}  // namespace optin::hq
