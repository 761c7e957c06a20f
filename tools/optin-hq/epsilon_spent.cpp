#include "tools/optin-hq/epsilon_spent.h"

#include <algorithm>
#include <boost/json/value.hpp>
#include <set>
#include <tuple>

#include "privacy/jws.h"
#include "sync/batch.h"
#include "tools/optin-hq/utc_day.h"

namespace optin::hq {
namespace json = boost::json;

namespace {

std::optional<int64_t> IntAt(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_int64()) return std::nullopt;
  return v->as_int64();
}

// The periods the payload covers, oldest first; empty when unreadable.
std::vector<BatchPeriod> PeriodsOf(const json::object& payload) {
  std::vector<BatchPeriod> out;
  const json::value* period = payload.if_contains("period");
  if (period == nullptr || !period->is_object()) return out;
  const json::value* covers = period->as_object().if_contains("covers");
  if (covers != nullptr && covers->is_array()) {
    for (const json::value& c : covers->as_array()) {
      if (!c.is_object()) return {};
      auto start = IntAt(c.as_object(), "start");
      auto end = IntAt(c.as_object(), "end");
      if (!start || !end) return {};
      out.push_back(BatchPeriod{*start, *end});
    }
  } else if (auto start = IntAt(period->as_object(), "start")) {
    auto end = IntAt(period->as_object(), "end");  // format 1: one range
    out.push_back(BatchPeriod{*start, end.value_or(*start)});
  }
  return out;
}

}  // namespace

std::optional<StatedEpsilon> StatedEpsilonOf(const json::object& payload, int format_version) {
  StatedEpsilon out;
  if (format_version == 1) {
    const json::value* noise = payload.if_contains("noise");
    if (noise == nullptr || !noise->is_object()) return std::nullopt;
    auto e = IntAt(noise->as_object(), "epsilon_micros");
    if (!e) return std::nullopt;
    out[std::string(kJointEpsilonMetric)] = *e;
    return out;
  }
  const json::value* metrics = payload.if_contains("metrics");
  if (metrics == nullptr || !metrics->is_object()) return std::nullopt;
  for (const auto& [name, m] : metrics->as_object()) {
    if (!m.is_object()) return std::nullopt;
    auto e = IntAt(m.as_object(), "epsilon_micros");
    if (!e) return std::nullopt;
    out[std::string(name)] = *e;
  }
  return out;
}

BatchEpsilon SumEpsilon(const BatchRecord& b) {
  BatchEpsilon out;
  const auto n = static_cast<int64_t>(b.periods.size());
  std::set<int64_t> counted;
  for (size_t i = 0; i < b.periods.size(); ++i) {
    const int64_t day = UtcDayOf(b.periods[i].start);
    EpsilonDaySum& d = out.by_day[day];
    if (counted.insert(day).second) {
      d.batches = 1;
      d.unstated = b.stated_epsilon ? 0 : 1;
    }
    if (!b.stated_epsilon) continue;
    for (const auto& [metric, micros] : *b.stated_epsilon) {
      const int64_t share = micros / n + (i == 0 ? micros % n : 0);
      out.by_metric[{day, metric}] += share;
      d.micros += share;
    }
  }
  return out;
}

std::optional<BatchRecord> EpsilonOfSignedBatch(std::string_view store_id, int format_version,
                                                std::string_view signed_batch) {
  BatchRecord r;
  r.store_id = std::string(store_id);
  r.format_version = format_version;
  auto parsed = privacy::ParseJws(signed_batch, sync::kMaxBatchJwsBytes);
  if (!parsed) return std::nullopt;
  r.periods = PeriodsOf(parsed->payload);
  if (r.periods.empty()) return std::nullopt;
  r.stated_epsilon = StatedEpsilonOf(parsed->payload, format_version);
  return r;
}

BatchRecord EpsilonOfStoredBatch(std::string_view store_id, int format_version,
                                 int64_t period_start, int64_t period_end,
                                 std::string_view signed_batch) {
  if (auto b = EpsilonOfSignedBatch(store_id, format_version, signed_batch)) return *std::move(b);
  BatchRecord r;
  r.store_id = std::string(store_id);
  r.format_version = format_version;
  r.periods = {BatchPeriod{period_start, period_end}};
  return r;
}

std::vector<EpsilonStoreDay> JoinEpsilonMetrics(std::vector<EpsilonStoreDay> days,
                                                std::vector<EpsilonMetricRow> metrics) {
  std::sort(days.begin(), days.end(), [](const EpsilonStoreDay& a, const EpsilonStoreDay& b) {
    return std::tie(a.store_id, a.day) < std::tie(b.store_id, b.day);
  });
  std::map<std::pair<std::string_view, int64_t>, EpsilonStoreDay*> index;
  for (EpsilonStoreDay& d : days) index[{d.store_id, d.day}] = &d;
  for (EpsilonMetricRow& m : metrics) {
    auto it = index.find({m.store_id, m.day});
    if (it != index.end()) it->second->metric_micros[std::move(m.metric)] = m.micros;
  }
  return days;
}

}  // namespace optin::hq
