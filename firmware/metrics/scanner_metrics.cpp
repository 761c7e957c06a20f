#include "metrics/scanner_metrics.h"

#include <prometheus/family.h>

namespace optin::metrics {

ScannerMetrics::ScannerMetrics(prometheus::Registry& registry,
                               const std::vector<std::string>& scanner_names) {
  auto& family = prometheus::BuildGauge()
                     .Name("optin_scanner_state")
                     .Help(
                         "Kiosk scanner state by configured scanner name: 1 for the current "
                         "state (connected, disconnected, stopped), 0 for the others")
                     .Register(registry);
  for (const std::string& name : scanner_names) {
    Scanner scanner;
    scanner.name = name;
    for (size_t i = 0; i < kScannerStates.size(); ++i) {
      scanner.states[i] =
          &family.Add({{"scanner", name}, {"state", std::string(kScannerStates[i])}});
    }
    scanners_.push_back(std::move(scanner));
  }
  for (const Scanner& scanner : scanners_) SetState(scanner.name, "stopped");
}

void ScannerMetrics::SetState(std::string_view scanner, std::string_view state) {
  size_t index = kScannerStates.size();
  for (size_t i = 0; i < kScannerStates.size(); ++i) {
    if (kScannerStates[i] == state) index = i;
  }
  if (index == kScannerStates.size()) return;
  for (Scanner& s : scanners_) {
    if (s.name != scanner) continue;
    for (size_t i = 0; i < s.states.size(); ++i) s.states[i]->Set(i == index ? 1.0 : 0.0);
  }
}

}  // namespace optin::metrics
