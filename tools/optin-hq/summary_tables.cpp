#include "tools/optin-hq/summary_tables.h"

#include <algorithm>

namespace optin::hq {

BatchSums SumBatch(const BatchRecord& batch) {
  BatchSums sums;
  for (const CellRecord& c : batch.cells) {
    sums.by_label[{c.day, c.metric, c.label}].Add(c);
    sums.by_metric[{c.metric, c.day}].Add(c);
  }
  return sums;
}

std::string MultiRowInsertSql(std::string_view head, size_t rows, size_t cols,
                              std::string_view on_conflict) {
  std::string sql(head);
  sql += " VALUES ";
  size_t n = 1;
  for (size_t r = 0; r < rows; ++r) {
    sql += r ? ", (" : "(";
    for (size_t c = 0; c < cols; ++c) {
      if (c) sql += ", ";
      sql += "$" + std::to_string(n++);
    }
    sql += ")";
  }
  sql += on_conflict;
  return sql;
}

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

RegionPlan PlanRegions(std::span<const StoreRegion> assigned, std::span<const StoreRegion> wanted) {
  std::map<std::string_view, std::string_view> now, next;
  for (const StoreRegion& a : assigned) now[a.store_id] = a.region;
  for (const StoreRegion& w : wanted) next[w.store_id] = w.region;
  RegionPlan plan;
  for (const auto& [id, region] : now) {
    auto it = next.find(id);
    if (it == next.end() || it->second != region) {
      plan.leave.push_back(StoreRegion{std::string(id), std::string(region)});
    }
  }
  for (const auto& [id, region] : next) {
    auto it = now.find(id);
    if (it == now.end() || it->second != region) {
      plan.join.push_back(StoreRegion{std::string(id), std::string(region)});
    }
  }
  if (plan.leave.size() + plan.join.size() > kMaxRegionMoves) {
    plan.recompute = true;
    plan.leave.clear();
    plan.join.assign(wanted.begin(), wanted.end());
  }
  return plan;
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
