// What the HQ sync does and how far it may go: the aggregation period, the per-subject
// contribution caps, the privacy parameters (epsilon per period and per day in millionths, the
// suppression threshold), the label domains every batch reports on, and the outbox and upload
// bounds. Built once from the configuration; plain value types; thread-compatible.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "platform/error.h"

namespace optin::sync {

// An epsilon written as a decimal ("1.0", "0.25", "2") in millionths, exactly (no floating
// point): at most 6 decimals, greater than 0 and at most 100.
Result<int64_t> ParseEpsilonMicros(std::string_view text);

// The four metrics of a batch (event table `metric` values and batch keys).
inline constexpr std::string_view kCheckinsByChannel = "checkins_by_channel";
inline constexpr std::string_view kHelpRequestsByTopic = "help_requests_by_topic";
inline constexpr std::string_view kTimeToClaim = "time_to_claim_seconds";
inline constexpr std::string_view kOfferViewsByCategory = "offer_views_by_category";
// Labels outside a metric's domain are counted here.
inline constexpr std::string_view kOtherLabel = "other";

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

// How many events one subject may contribute to each metric in one period (the rest are not
// counted). The sum is the L1 sensitivity of a batch.
struct ContributionCaps {
  int64_t checkins = 1;
  int64_t help_requests = 1;
  int64_t claims = 1;
  int64_t offer_views = 3;
  int64_t sum() const { return checkins + help_requests + claims + offer_views; }
};

struct SyncPolicy {
  std::string store_id = "dev-store";
  std::string software_version = "0.0.0";
  std::chrono::seconds period{3600};
  // Privacy loss, in millionths of epsilon: a day's budget, and what one period spends
  // (0: the day's budget spread evenly over the periods of a day).
  int64_t epsilon_per_day_micros = 1'000'000;
  int64_t epsilon_per_period_micros = 0;
  // Noisy counts below this are not reported.
  int64_t suppress_below = 10;
  ContributionCaps caps;
  // Label domains: every label of every domain gets a noisy count, so that which labels appear
  // reveals nothing. Labels seen outside them count as "other".
  std::vector<std::string> channels = {"app", "loyalty_scan", "web"};
  std::vector<std::string> topics;
  std::vector<std::string> offer_categories;
  // After a long stop, at most this many closed periods are released one by one; the events of
  // older periods are counted in the first of them.
  int64_t max_catch_up_periods = 48;

  int64_t period_seconds() const { return period.count() > 0 ? period.count() : 3600; }
  int64_t period_epsilon_micros() const {
    if (epsilon_per_period_micros > 0) return epsilon_per_period_micros;
    return epsilon_per_day_micros * period_seconds() / 86'400;
  }
};

// The outbox's bounds and the uploader's pacing.
struct OutboxPolicy {
  int64_t max_batches = 1000;                           // beyond this the oldest batches are merged
  std::chrono::seconds max_age{std::chrono::days(14)};  // older batches are merged
  int64_t batches_per_request = 50;
  std::chrono::milliseconds backoff_initial{5'000};
  std::chrono::milliseconds backoff_max{std::chrono::hours(1)};
};

}  // namespace optin::sync
