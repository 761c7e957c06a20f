// The privacy officer's route, behind a session (session_gate.h): GET /v1/privacy/epsilon
// [?from=YYYY-MM-DD&to=YYYY-MM-DD&store=ID], the epsilon each store spent per UTC day and metric,
// from the batches' own parameters (epsilon_spent.h), each store-day flagged where its total is
// above the chain's policy (`optin-hq serve --epsilon-policy`). Without from/to: the 14 days
// through today. At most 366 days. A bad parameter is 400 problem+json naming it. Thread-safe.
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
