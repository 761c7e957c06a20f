// The privacy officer's view of HQ's data: the epsilon each store spent per UTC day and metric,
// read from the batches' own parameters (format 2: metrics.<m>.epsilon_micros; format 1: its
// one joint epsilon, as metric "joint"), and whether a store-day exceeds the chain's policy. A
// batch that covers several periods (the box merged them after a long stop) states the sum of
// their epsilons: it is spread evenly over its periods, each counted on the UTC day it starts
// (the remainder of the division on the first, so sums stay exact). Signatures are not checked
// again (they were at ingest). Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "tools/optin-hq/batch_record.h"

namespace optin::hq {

// metric name for a format-1 batch's single joint epsilon.
inline constexpr std::string_view kJointEpsilonMetric = "joint";

struct EpsilonDay {
  std::string store_id;
  int64_t day = 0;
  std::map<std::string, int64_t, std::less<>> metric_micros;  // metric -> epsilon spent
  int64_t total_micros = 0;                                   // the sum over its metrics
  int64_t batches = 0;                                        // batches that counted on it
  bool over_policy = false;                                   // total_micros > the policy
};

struct EpsilonSpent {
  std::vector<EpsilonDay> days;     // by store id, then day; only days with a batch
  std::vector<std::string> broken;  // ids of stored batches whose payload could not be read
};

// From `batches` (any order), the days in [from_day, to_day].
EpsilonSpent ComputeEpsilonSpent(std::span<const BatchSummary> batches, int64_t from_day,
                                 int64_t to_day, int64_t policy_micros);

}  // namespace optin::hq
