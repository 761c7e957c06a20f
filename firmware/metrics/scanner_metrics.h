// The state of each configured kiosk scanner: optin_scanner_state{scanner, state} is 1 for the
// scanner's current state and 0 for the others (states: connected, disconnected, stopped; a
// scanner is "stopped" until its driver reports). Scanner names come from the config, never
// from a scan. Construct before serving; SetState is thread-safe (drivers call it on their own
// threads).
#pragma once

#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace optin::metrics {

inline constexpr std::array<std::string_view, 3> kScannerStates = {"connected", "disconnected",
                                                                   "stopped"};

class ScannerMetrics {
 public:
  ScannerMetrics(prometheus::Registry& registry, const std::vector<std::string>& scanner_names);

  // Unknown scanner names and states outside kScannerStates are ignored.
  void SetState(std::string_view scanner, std::string_view state);

 private:
  struct Scanner {
    std::string name;
    std::array<prometheus::Gauge*, kScannerStates.size()> states{};
  };
  std::vector<Scanner> scanners_;  // immutable after construction
};

}  // namespace optin::metrics
