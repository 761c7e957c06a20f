// The people's read routes, behind a session (session_gate.h): GET /v1/figures (figures.h as JSON
// or CSV, the shape documented in the README and kept stable for the dashboard) and GET
// /v1/stores (each store of the stores file with its region, the last batch received and its
// age, and the days it is missing) and GET /v1/breakdown (one metric's labels over a range of
// days, each label's total with its interval: the dashboard's hour-of-day profile, help topics,
// offer categories, channels; the labels are those the stored cells carry). A bad parameter is 400
// problem+json naming it. Thread-safe.
#pragma once

#include <vector>

#include "tools/optin-hq/hq_context.h"

namespace optin::hq {

class FiguresHandler {
 public:
  explicit FiguresHandler(HqContext& ctx) : ctx_(ctx) {}
  std::vector<HqRoute> Routes();

 private:
  net::Response Figures(const net::Request& request);
  net::Response Stores(const net::Request& request);
  net::Response Breakdown(const net::Request& request);
  HqContext& ctx_;
};

}  // namespace optin::hq
