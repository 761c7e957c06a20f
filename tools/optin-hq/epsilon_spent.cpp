#include "tools/optin-hq/epsilon_spent.h"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <set>

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

// The start of each period the payload covers, oldest first; empty when unreadable.
std::vector<int64_t> PeriodStarts(const json::object& payload) {
  std::vector<int64_t> out;
  const json::value* period = payload.if_contains("period");
  if (period == nullptr || !period->is_object()) return out;
  const json::value* covers = period->as_object().if_contains("covers");
  if (covers != nullptr && covers->is_array()) {
    for (const json::value& c : covers->as_array()) {
      if (!c.is_object()) return {};
      auto start = IntAt(c.as_object(), "start");
      if (!start) return {};
      out.push_back(*start);
    }
  } else if (auto start = IntAt(period->as_object(), "start")) {
    out.push_back(*start);  // format 1: one range
  }
  return out;
}

// metric -> the epsilon the batch states for it.
std::optional<std::map<std::string, int64_t, std::less<>>> MetricEpsilons(
    const json::object& payload, int format_version) {
  std::map<std::string, int64_t, std::less<>> out;
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

}  // namespace

EpsilonSpent ComputeEpsilonSpent(std::span<const BatchSummary> batches, int64_t from_day,
                                 int64_t to_day, int64_t policy_micros) {
  EpsilonSpent out;
  std::map<std::pair<std::string, int64_t>, EpsilonDay> days;
  for (const BatchSummary& b : batches) {
    auto parsed = privacy::ParseJws(b.signed_batch, sync::kMaxBatchJwsBytes);
    if (!parsed) {
      out.broken.push_back(b.batch_id);
      continue;
    }
    const std::vector<int64_t> starts = PeriodStarts(parsed->payload);
    auto metrics = MetricEpsilons(parsed->payload, b.format_version);
    if (starts.empty() || !metrics) {
      out.broken.push_back(b.batch_id);
      continue;
    }
    const auto n = static_cast<int64_t>(starts.size());
    std::set<int64_t> counted;
    for (size_t i = 0; i < starts.size(); ++i) {
      const int64_t day = UtcDayOf(starts[i]);
      if (day < from_day || day > to_day) continue;
      EpsilonDay& d = days[{b.store_id, day}];
      d.store_id = b.store_id;
      d.day = day;
      for (const auto& [metric, micros] : *metrics) {
        const int64_t share = micros / n + (i == 0 ? micros % n : 0);
        d.metric_micros[metric] += share;
        d.total_micros += share;
      }
      if (counted.insert(day).second) ++d.batches;
    }
  }
  for (auto& [key, d] : days) {
    d.over_policy = d.total_micros > policy_micros;
    out.days.push_back(std::move(d));
  }
  return out;
}

}  // namespace optin::hq
