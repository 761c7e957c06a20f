#include "tools/optin-hq/privacy_handler.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <set>

#include "sync/sync_policy.h"
#include "tools/optin-hq/epsilon_spent.h"
#include "tools/optin-hq/hq_http.h"
#include "tools/optin-hq/session_gate.h"
#include "tools/optin-hq/utc_day.h"

namespace optin::hq {
namespace json = boost::json;

namespace {

constexpr int64_t kDefaultDays = 14;
constexpr int64_t kMaxDays = 366;

constexpr std::string_view kNote =
    "epsilon_micros: the privacy loss a store's batches state they spent on each metric for "
    "one shopper in that UTC day (millionths of epsilon; 'epsilon' is the same as a decimal). A "
    "batch that covers several periods is spread evenly over them. over_policy: the day's total "
    "is above the chain's policy (optin-hq serve --epsilon-policy).";

net::Response BadParam(std::string_view field, std::string detail) {
  return HqProblem(400, "invalid-parameter", detail, field);
}

}  // namespace

std::vector<HqRoute> PrivacyHandler::Routes() {
  return {{Listener::kPeople, "GET", "/v1/privacy/epsilon",
           Gated(ctx_, std::nullopt,
                 [this](const net::Request& r, const Session&) { return Epsilon(r); })}};
}

net::Response PrivacyHandler::Epsilon(const net::Request& request) {
  const QueryParams q = ParseQuery(request.query);
  if (!q.duplicate.empty()) return BadParam(q.duplicate, "'" + q.duplicate + "' is given twice");
  for (const auto& [name, value] : q.values) {
    if (name != "from" && name != "to" && name != "store") {
      return BadParam(name, "unknown parameter '" + name + "' (from, to, store)");
    }
  }
  const int64_t today = UtcDayOf(ctx_.clock.NowUnix());
  int64_t from = today - (kDefaultDays - 1), to = today;
  auto from_text = q.Get("from");
  auto to_text = q.Get("to");
  if (from_text.has_value() != to_text.has_value()) {
    return BadParam(from_text ? "to" : "from", "give both 'from' and 'to', or neither");
  }
  if (from_text) {
    auto f = ParseIsoDate(*from_text);
    auto t = ParseIsoDate(*to_text);
    if (!f) return BadParam("from", "'from' must be a date YYYY-MM-DD");
    if (!t) return BadParam("to", "'to' must be a date YYYY-MM-DD");
    from = *f;
    to = *t;
  }
  if (to < from) return BadParam("to", "'to' must not be before 'from'");
  if (to - from + 1 > kMaxDays) {
    return BadParam("to", "at most " + std::to_string(kMaxDays) + " days in one query");
  }
  auto store = q.Get("store");
  if (store && store->empty()) return BadParam("store", "'store' must not be empty");
  auto batches = ctx_.store.BatchesCovering(
      from, to, store ? std::optional<std::string_view>(*store) : std::nullopt);
  if (!batches) return HqProblem(batches.error(), "storage-unavailable");
  const EpsilonSpent spent = ComputeEpsilonSpent(*batches, from, to, policy_micros_);

  const auto directory = ctx_.stores.current();
  json::array days;
  std::set<std::string> metrics, flagged_stores;
  int64_t flagged = 0;
  for (const EpsilonDay& d : spent.days) {
    json::object per_metric;
    for (const auto& [metric, micros] : d.metric_micros) {
      per_metric[metric] = micros;
      metrics.insert(metric);
    }
    const StoreInfo* info = directory ? directory->Find(d.store_id) : nullptr;
    if (d.over_policy) {
      ++flagged;
      flagged_stores.insert(d.store_id);
    }
    days.push_back(json::object{{"store_id", d.store_id},
                                {"region", info ? json::value(info->region) : json::value(nullptr)},
                                {"day", FormatIsoDate(d.day)},
                                {"epsilon_micros", d.total_micros},
                                {"epsilon", sync::FormatEpsilonMicros(d.total_micros)},
                                {"metrics", std::move(per_metric)},
                                {"batches", d.batches},
                                {"over_policy", d.over_policy}});
  }
  json::array metric_list, flagged_list, broken;
  for (const std::string& m : metrics) metric_list.emplace_back(m);
  for (const std::string& s : flagged_stores) flagged_list.emplace_back(s);
  for (const std::string& b : spent.broken) broken.emplace_back(b);
  json::object answer{
      {"from", FormatIsoDate(from)},
      {"to", FormatIsoDate(to)},
      {"store", store ? json::value(*store) : json::value(nullptr)},
      {"policy",
       json::object{{"epsilon_per_day_micros", policy_micros_},
                    {"epsilon_per_day", sync::FormatEpsilonMicros(policy_micros_)},
                    {"unit", "one shopper per UTC day, all metrics of one store together"}}},
      {"metrics", std::move(metric_list)},
      {"days", std::move(days)},
      {"over_policy_days", flagged},
      {"over_policy_stores", std::move(flagged_list)},
      {"unreadable_batches", std::move(broken)},
      {"note", kNote}};
  return net::Response::Json(200, json::serialize(answer));
}

}  // namespace optin::hq
