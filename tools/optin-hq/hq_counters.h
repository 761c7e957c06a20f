// HQ's counters, for the person who runs HQ's servers: batches by outcome and refusal reason,
// requests refused whole (malformed JSON, body over the limit, ...), logins, stores-file
// reloads. Served as Prometheus text on GET /metrics (admin session). Names and label values are
// chosen by the program from fixed sets, never taken from a request. It also observes the
// stores' listener, to count the bodies the server refuses before routing (413). Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "net/request_observer.h"

namespace optin::hq {

class HqCounters final : public net::RequestObserver {
 public:
  HqCounters();

  // optin_hq_batches_total{result="stored"|"duplicate"|"rejected",reason=...}
  void Batch(std::string_view result, std::string_view reason = {});
  // optin_hq_uploads_refused_total{reason=...}: an upload refused whole (nothing stored).
  void UploadRefused(std::string_view reason);
  // optin_hq_logins_total{result="ok"|"failed"}
  void Login(bool ok);
  // optin_hq_stores_reloads_total{result="ok"|"failed"}
  void StoresReload(bool ok);
  // A counter of its own name and labels (e.g. added by a later route).
  void Add(std::string_view series, uint64_t n = 1);

  uint64_t Value(std::string_view series) const;
  // Prometheus text exposition format 0.0.4.
  std::string PrometheusText() const;

  void OnRequest(std::string_view, std::string_view, int, std::chrono::nanoseconds) override {}
  void OnRefused(std::string_view reason) override;

 private:
  mutable std::mutex mu_;
  std::map<std::string, uint64_t, std::less<>> series_;  // GUARDED_BY(mu_)
};

}  // namespace optin::hq
