// The privacy officer's route, behind a session (session_gate.h): GET /v1/privacy/epsilon
// [?from=YYYY-MM-DD&to=YYYY-MM-DD&store=ID], the epsilon stores spent per UTC day and metric, from
// the batches' own parameters (epsilon_spent.h), against the chain's policy (`optin-hq serve
// --epsilon-policy`). For the chain: per day, the stores that spent, how many above the policy
// and the most one spent, then the store-days above it (at most 1,000, the highest); with
// `store`: each of its days. Without from/to: the 14 days through today. At most 366 days. A bad
// parameter is 400 problem+json naming it. Thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "tools/optin-hq/hq_context.h"

namespace optin::hq {

class PrivacyHandler {
 public:
  PrivacyHandler(HqContext& ctx, int64_t policy_micros)
      : ctx_(ctx), policy_micros_(policy_micros) {}
  std::vector<HqRoute> Routes();

 private:
  net::Response Epsilon(const net::Request& request);
  HqContext& ctx_;
  const int64_t policy_micros_;
};

}  // namespace optin::hq
