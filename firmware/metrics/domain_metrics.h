// What happened in the store, counted only once it is durable: check-ins by channel, consent
// changes by purpose and direction, help requests by topic, first claims of prompts and the wait
// until that claim. Attach() registers hooks on the ledger, the visits and the help desk that
// run inside their transactions and count from Connection::AfterCommit, so a rolled-back
// transaction counts nothing. No label carries anything about a person: channels, purposes and
// topics are mapped onto fixed sets. Attach before serving; thread-safe afterwards.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <array>
#include <string>
#include <unordered_map>
#include <vector>

#include "assist/help_desk.h"
#include "consent/consent_ledger.h"
#include "consent/purpose.h"
#include "visits/visit_service.h"

namespace optin::metrics {

class DomainMetrics {
 public:
  // `topics`: the store's help topics (the only topic labels; anything else is "other").
  DomainMetrics(prometheus::Registry& registry, std::vector<std::string> topics);

  void Attach(consent::ConsentLedger& ledger, visits::VisitService& visits, assist::HelpDesk& desk);

  // Each called inside a write job; counts after its commit.
  Status OnCheckIn(store::Connection& conn, std::string_view channel);
  Status OnConsentChange(store::Connection& conn, consent::Purpose purpose, bool granted);
  Status OnHelpRequest(store::Connection& conn, std::string_view topic);
  Status OnClaim(store::Connection& conn, int64_t requested_at, int64_t claimed_at);

 private:
  // The series of a label value, made at construction for every known value (the hooks then
  // take no lock); anything else goes to the "other" series.
  prometheus::Counter& CheckIns(std::string_view channel);
  prometheus::Counter& HelpRequests(std::string_view topic);

  const std::vector<std::string> topics_;
  prometheus::Family<prometheus::Counter>& checkins_;
  prometheus::Family<prometheus::Counter>& consent_changes_;
  prometheus::Family<prometheus::Counter>& help_requests_;
  prometheus::Counter& claims_;
  prometheus::Histogram& wait_;
  std::unordered_map<std::string, prometheus::Counter*> checkins_by_channel_;  // immutable
  std::unordered_map<std::string, prometheus::Counter*> requests_by_topic_;    // immutable
  // [purpose][granted]
  std::array<std::array<prometheus::Counter*, 2>, consent::kAllPurposes.size()> consent_{};
};

}  // namespace optin::metrics
