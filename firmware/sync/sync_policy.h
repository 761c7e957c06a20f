// What the HQ sync does and how far it may go: the release period (a UTC day by default), each
// metric's budget (the events one shopper may add to it in a period, across its labels, and its
// share of the day's epsilon, in millionths), the label domains every batch reports on, and the
// outbox and upload bounds. The unit of privacy is one shopper per UTC day: the shares of all
// metrics add up to at most epsilon_per_day. Built once from the configuration; plain value
// types; thread-compatible.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "platform/error.h"
#include "sync/batch.h"

namespace optin::sync {

// An epsilon written as a decimal ("1.0", "0.25", "2") in millionths, exactly (no floating
// point): at most 6 decimals, greater than 0 and at most 100.
Result<int64_t> ParseEpsilonMicros(std::string_view text);
// "0.25" from 250000 (the shortest exact decimal).
std::string FormatEpsilonMicros(int64_t micros);

// The event kinds recorded (event table `metric` values).
inline constexpr std::string_view kCheckinsByChannel = "checkins_by_channel";
inline constexpr std::string_view kHelpRequestsByTopic = "help_requests_by_topic";
inline constexpr std::string_view kTimeToClaim = "time_to_claim_seconds";
inline constexpr std::string_view kOfferViewsByCategory = "offer_views_by_category";
// Metrics derived from the check-in events: the day's total (one cell, label "all") and the
// check-ins by UTC hour of day (labels "00" to "23"; one capped check-in falls in one hour, so
// the histogram costs what one count costs).
inline constexpr std::string_view kCheckinsTotal = "checkins_total";
inline constexpr std::string_view kCheckinsByHour = "checkins_by_hour";
inline constexpr std::string_view kTotalLabel = "all";
// Labels outside a metric's domain are counted here.
inline constexpr std::string_view kOtherLabel = "other";

// The metrics of a batch, in the order the batch and the reports list them, with their
// defaults. The defaults are chosen so that a store's daily check-in total is within +-5% at 95%
// for 300 consenting check-ins a day (checkins_total: scale 4, exact 95% half-width 12 = 4%),
// and a chain-day of 5,000 stores within +-0.1% (+-782 of 1.5 million = 0.05%), with epsilon
// 1.0 per shopper per UTC day in all (config/optin-edge.toml shows the arithmetic).
struct MetricSpec {
  std::string_view metric;
  std::string_view event;  // the recorded event kind it is counted from
  int64_t default_cap;
  int64_t default_epsilon_micros;  // share of the day's epsilon
};
inline constexpr MetricSpec kMetricSpecs[] = {
    {kCheckinsTotal, kCheckinsByChannel, 1, 250'000},
    {kCheckinsByChannel, kCheckinsByChannel, 1, 150'000},
    {kCheckinsByHour, kCheckinsByChannel, 1, 200'000},
    {kHelpRequestsByTopic, kHelpRequestsByTopic, 1, 150'000},
    {kTimeToClaim, kTimeToClaim, 1, 100'000},
    {kOfferViewsByCategory, kOfferViewsByCategory, 3, 150'000},
};

// Time-to-claim histogram buckets, by upper bound in seconds (the last is open-ended).
struct ClaimBucket {
  int64_t below_seconds;  // 0: no upper bound
  std::string_view label;
};
inline constexpr ClaimBucket kClaimBuckets[] = {
    {30, "0-30"},     {60, "30-60"},      {120, "60-120"}, {300, "120-300"},
    {600, "300-600"}, {1800, "600-1800"}, {0, "1800+"},
};
std::string_view ClaimBucketLabel(int64_t seconds_to_claim);

// One metric's budget: how many events one shopper may add to it in one period, across its
// labels (the rest are not counted; this is its L1 sensitivity), and its share of the day's
// epsilon, spent evenly over the day's periods.
struct MetricBudget {
  int64_t cap = 1;
  int64_t epsilon_micros = 0;  // per UTC day
};

struct SyncPolicy {
  SyncPolicy();

  std::string store_id = "dev-store";
  std::string software_version = "0.0.0";
  // The signed bundles in force (offer catalog, notice), read at each release and reported in
  // the batch ("bundles"); none when empty. Called on a database thread: must not block.
  std::function<BundlesInForce()> bundles_in_force;
  std::chrono::seconds period{86'400};
  // The privacy loss one shopper may cause in one UTC day, in millionths of epsilon: the shares
  // of `budget` add up to at most this. What is left over is room for manual releases
  // (development only, allow_manual_release).
  int64_t epsilon_per_day_micros = 1'000'000;
  // metric -> budget; every metric of kMetricSpecs.
  std::map<std::string, MetricBudget, std::less<>> budget;
  // Label domains: every label of every domain gets a noisy count, so that which labels appear
  // reveals nothing. Labels seen outside them count as "other". Anonymous web visits do not
  // contribute (an identity per visit cannot be capped across visits), so "web" is no channel.
  std::vector<std::string> channels = {"app", "loyalty_scan"};
  std::vector<std::string> topics;
  std::vector<std::string> offer_categories;
  // After a long stop every missed period is released on its own, in order; at most this many
  // in one write job (the rest follow at the next tick).
  int64_t max_catch_up_periods = 48;

  int64_t period_seconds() const { return period.count() > 0 ? period.count() : 86'400; }
  int64_t periods_per_day() const { return 86'400 / period_seconds(); }
  const MetricBudget& BudgetOf(std::string_view metric) const;
  // What one period spends on `metric` (its day share over the day's periods, rounded down).
  int64_t MetricPeriodEpsilonMicros(std::string_view metric) const;
  // What one period spends on all metrics.
  int64_t period_epsilon_micros() const;
  // The sum of the metrics' day shares.
  int64_t budgeted_epsilon_per_day_micros() const;
};

// Checks a policy's budget: every metric has a cap >= 1 and a share > 0 that covers every
// period of a day (at least one millionth per period), and the shares add up to at most
// epsilon_per_day. A failure's `field` is the configuration key at fault
// ("sync.budget.checkins_total_epsilon", "sync.epsilon_per_day", ...).
Status CheckBudget(const SyncPolicy& policy);

// The outbox's bounds and the uploader's pacing.
struct OutboxPolicy {
  int64_t max_batches = 1000;                           // beyond this the oldest batches are merged
  std::chrono::seconds max_age{std::chrono::days(14)};  // older batches are merged
  int64_t batches_per_request = 50;
  std::chrono::milliseconds backoff_initial{5'000};
  std::chrono::milliseconds backoff_max{std::chrono::hours(1)};
};

}  // namespace optin::sync
