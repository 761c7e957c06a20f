#include "tools/optin-hq/privacy_handler.h"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <set>
#include <tuple>

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

constexpr int64_t kMaxListedDays = 1000;

constexpr std::string_view kStoreNote =
    "epsilon_micros: the privacy loss the store's batches state they spent on each metric for "
    "one shopper in that UTC day (millionths of epsilon; 'epsilon' is the same as a decimal). A "
    "batch that covers several periods is spread evenly over them. over_policy: the day's total "
    "is above the chain's policy (optin-hq serve --epsilon-policy). unstated_batches: batches "
    "whose epsilon could not be read from their payload.";
constexpr std::string_view kChainNote =
    "by_day: per UTC day, the stores whose batches spent epsilon on it, how many of them above "
    "the chain's policy (optin-hq serve --epsilon-policy) and the most one store spent "
    "(millionths of epsilon for one shopper, all metrics together). days: the store-days above "
    "the policy or with a batch whose epsilon could not be read (unstated_batches), by store and "
    "day, at most 1000 (the highest; days_truncated says when there were more); ?store= lists "
    "every day of one store. A batch that covers several periods is spread evenly over them.";

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
  EpsilonQuery query{from, to, store ? std::optional<std::string>(*store) : std::nullopt,
                     policy_micros_, kMaxListedDays + 1};
  auto listed = ctx_.store.EpsilonDays(query);
  if (!listed) return HqProblem(listed.error(), "storage-unavailable");
  std::vector<EpsilonChainDay> chain_days;
  if (!store) {
    auto by_day = ctx_.store.EpsilonByDay(from, to, policy_micros_);
    if (!by_day) return HqProblem(by_day.error(), "storage-unavailable");
    chain_days = std::move(*by_day);
  }
  const bool truncated = listed->size() > static_cast<size_t>(kMaxListedDays);
  if (truncated) {
    // The highest kMaxListedDays were asked for (one more to know there are more): drop the
    // lowest, then list by store and day.
    std::sort(
        listed->begin(), listed->end(), [](const EpsilonStoreDay& a, const EpsilonStoreDay& b) {
          return std::tie(b.micros, a.store_id, a.day) < std::tie(a.micros, b.store_id, b.day);
        });
    listed->resize(static_cast<size_t>(kMaxListedDays));
    std::sort(listed->begin(), listed->end(),
              [](const EpsilonStoreDay& a, const EpsilonStoreDay& b) {
                return std::tie(a.store_id, a.day) < std::tie(b.store_id, b.day);
              });
  }

  const auto directory = ctx_.stores.current();
  json::array days;
  std::set<std::string> metrics, flagged_stores;
  int64_t flagged = 0, unstated = 0;
  for (const EpsilonStoreDay& d : *listed) {
    json::object per_metric;
    for (const auto& [metric, micros] : d.metric_micros) {
      per_metric[metric] = micros;
      metrics.insert(metric);
    }
    const StoreInfo* info = directory ? directory->Find(d.store_id) : nullptr;
    const bool over = d.micros > policy_micros_;
    if (over) {
      ++flagged;
      flagged_stores.insert(d.store_id);
    }
    unstated += d.unstated;
    days.push_back(json::object{{"store_id", d.store_id},
                                {"region", info ? json::value(info->region) : json::value(nullptr)},
                                {"day", FormatIsoDate(d.day)},
                                {"epsilon_micros", d.micros},
                                {"epsilon", sync::FormatEpsilonMicros(d.micros)},
                                {"metrics", std::move(per_metric)},
                                {"batches", d.batches},
                                {"unstated_batches", d.unstated},
                                {"over_policy", over}});
  }
  json::array by_day;
  if (!store) {
    flagged = unstated = 0;
    for (const EpsilonChainDay& d : chain_days) {
      flagged += d.over_policy;
      unstated += d.unstated;
      by_day.push_back(json::object{{"day", FormatIsoDate(d.day)},
                                    {"stores", d.stores},
                                    {"over_policy_stores", d.over_policy},
                                    {"max_epsilon_micros", d.max_micros},
                                    {"max_epsilon", sync::FormatEpsilonMicros(d.max_micros)},
                                    {"unstated_batches", d.unstated}});
    }
  }
  json::array metric_list, flagged_list;
  for (const std::string& m : metrics) metric_list.emplace_back(m);
  for (const std::string& s : flagged_stores) flagged_list.emplace_back(s);
  json::object answer{
      {"from", FormatIsoDate(from)},
      {"to", FormatIsoDate(to)},
      {"store", store ? json::value(*store) : json::value(nullptr)},
      {"policy",
       json::object{{"epsilon_per_day_micros", policy_micros_},
                    {"epsilon_per_day", sync::FormatEpsilonMicros(policy_micros_)},
                    {"unit", "one shopper per UTC day, all metrics of one store together"}}},
      {"by_day", store ? json::value(nullptr) : json::value(std::move(by_day))},
      {"days_listed", store ? "all" : "over-policy"},
      {"days_truncated", truncated},
      {"metrics", std::move(metric_list)},
      {"days", std::move(days)},
      {"over_policy_days", flagged},
      {"over_policy_stores", std::move(flagged_list)},
      {"unstated_batches", unstated},
      {"note", store ? kStoreNote : kChainNote}};
  return net::Response::Json(200, json::serialize(answer));
}

}  // namespace optin::hq
