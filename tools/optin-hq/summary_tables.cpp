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

size_t RegionChanges(const std::map<std::string, std::string, std::less<>>& assigned,
                     const std::map<std::string, std::string, std::less<>>& wanted) {
  size_t n = 0;
  for (const auto& [id, region] : assigned) {
    auto it = wanted.find(id);
    if (it == wanted.end() || it->second != region) ++n;
  }
  for (const auto& [id, region] : wanted) {
    if (!assigned.contains(id)) ++n;
  }
  return n;
}

void RegionMembers::Set(std::span<const StoreRegion> mapping) {
  std::map<std::string, std::vector<std::string>, std::less<>> members;
  for (const StoreRegion& m : mapping) members[m.region].push_back(m.store_id);
  for (auto& [region, ids] : members) std::sort(ids.begin(), ids.end());
  std::lock_guard lock(mu_);
  members_ = std::move(members);
}

bool RegionMembers::Matches(std::string_view region, std::span<const std::string> stores) const {
  std::vector<std::string> asked(stores.begin(), stores.end());
  std::sort(asked.begin(), asked.end());
  std::lock_guard lock(mu_);
  auto it = members_.find(region);
  return it != members_.end() && it->second == asked;
}

}  // namespace optin::hq
