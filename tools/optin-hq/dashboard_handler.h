// The HQ dashboard on the people's listener (issue 15 part 4): GET / is its page, GET
// /dashboard/<file> its ES modules and style sheet (compiled in, dashboard_files.h), GET
// /vendor/chart.min.js the Chart.js that Debian's libjs-chart.js installs (read once at start
// from `chart_js_path`; when it is missing, 500 problem+json "chart-library-missing" naming the
// file and the package). No session is needed for these files (the page shows its login screen);
// every figure it draws comes from the /v1/ routes behind the session gate. Every answer carries
// a strict CSP (no inline script or style, nothing from elsewhere), nosniff, no referrer, no
// framing. Thread-safe after construction.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tools/optin-hq/hq_context.h"

namespace optin::hq {

inline constexpr std::string_view kDashboardCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

class DashboardHandler {
 public:
  // Reads the Chart.js file; a missing one is logged and answered as a problem (the rest works).
  explicit DashboardHandler(std::string chart_js_path);
  // The routes refer to this handler's Chart.js bytes: it must outlive them.
  std::vector<HqRoute> Routes() const;
  bool chart_js_loaded() const { return chart_loaded_; }

 private:
  std::string chart_path_;
  std::string chart_js_;
  std::string chart_error_;
  bool chart_loaded_ = false;
};

}  // namespace optin::hq
