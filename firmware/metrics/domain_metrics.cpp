#include "metrics/domain_metrics.h"

#include <algorithm>

#include "metrics/label_sets.h"

namespace optin::metrics {
namespace {

prometheus::Family<prometheus::Counter>& CounterFamily(prometheus::Registry& registry,
                                                       const std::string& name,
                                                       const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry);
}

}  // namespace

DomainMetrics::DomainMetrics(prometheus::Registry& registry, std::vector<std::string> topics)
    : topics_(std::move(topics)),
      checkins_(CounterFamily(registry, "optin_checkins_total",
                              "Check-ins committed, by channel (app, loyalty_scan, web)")),
      consent_changes_(CounterFamily(
          registry, "optin_consent_changes_total",
          "Consent changes committed, by purpose and change (granted, withdrawn); expired "
          "grants purged by retention count as withdrawn")),
      help_requests_(
          CounterFamily(registry, "optin_help_requests_total", "Help requests created, by topic")),
      claims_(CounterFamily(registry, "optin_prompts_claimed_total",
                            "Prompts claimed by staff (first claims)")
                  .Add({})),
      wait_(prometheus::BuildHistogram()
                .Name("optin_prompt_wait_seconds")
                .Help("Time from a help request to its first claim by staff")
                .Register(registry)
                .Add({}, prometheus::Histogram::BucketBoundaries{5, 15, 30, 60, 120, 300, 600, 1200,
                                                                 1800, 3600})) {
  // Every series exists from the start (at 0), so rates work from the first scrape.
  for (std::string_view channel : {"app", "loyalty_scan", "web"}) {
    checkins_by_channel_[std::string(channel)] =
        &checkins_.Add({{"channel", std::string(channel)}});
  }
  for (consent::Purpose p : consent::kAllPurposes) {
    for (bool granted : {false, true}) {
      consent_[static_cast<size_t>(p)][granted ? 1 : 0] =
          &consent_changes_.Add({{"purpose", std::string(consent::ToString(p))},
                                 {"change", granted ? "granted" : "withdrawn"}});
    }
  }
  for (const std::string& topic : topics_) {
    requests_by_topic_[topic] = &help_requests_.Add({{"topic", topic}});
  }
}

prometheus::Counter& DomainMetrics::CheckIns(std::string_view channel) {
  auto it = checkins_by_channel_.find(std::string(channel));
  if (it != checkins_by_channel_.end()) return *it->second;
  return checkins_.Add({{"channel", std::string(kOther)}});  // Family::Add locks
}

prometheus::Counter& DomainMetrics::HelpRequests(std::string_view topic) {
  auto it = requests_by_topic_.find(std::string(topic));
  if (it != requests_by_topic_.end()) return *it->second;
  return help_requests_.Add({{"topic", std::string(kOther)}});
}

void DomainMetrics::Attach(consent::ConsentLedger& ledger, visits::VisitService& visits,
                           assist::HelpDesk& desk) {
  ledger.AddChangeHook([this](store::Connection& conn, std::string_view, consent::Purpose purpose,
                              bool granted,
                              int64_t) { return OnConsentChange(conn, purpose, granted); });
  visits.AddCheckInHook([this](store::Connection& conn, const visits::Visit& visit) {
    return OnCheckIn(conn, visit.channel);
  });
  desk.AddRequestHook([this](store::Connection& conn, std::string_view, std::string_view topic) {
    return OnHelpRequest(conn, topic);
  });
  desk.AddClaimHook([this](store::Connection& conn, std::string_view, int64_t requested_at,
                           int64_t claimed_at) { return OnClaim(conn, requested_at, claimed_at); });
}

Status DomainMetrics::OnCheckIn(store::Connection& conn, std::string_view channel) {
  prometheus::Counter* counter = &CheckIns(channel);
  conn.AfterCommit([counter] { counter->Increment(); });
  return Ok();
}

Status DomainMetrics::OnConsentChange(store::Connection& conn, consent::Purpose purpose,
                                      bool granted) {
  prometheus::Counter* counter = consent_[static_cast<size_t>(purpose)][granted ? 1 : 0];
  conn.AfterCommit([counter] { counter->Increment(); });
  return Ok();
}

Status DomainMetrics::OnHelpRequest(store::Connection& conn, std::string_view topic) {
  prometheus::Counter* counter = &HelpRequests(topic);
  conn.AfterCommit([counter] { counter->Increment(); });
  return Ok();
}

Status DomainMetrics::OnClaim(store::Connection& conn, int64_t requested_at, int64_t claimed_at) {
  const double wait = static_cast<double>(std::max<int64_t>(0, claimed_at - requested_at));
  conn.AfterCommit([this, wait] {
    claims_.Increment();
    wait_.Observe(wait);
  });
  return Ok();
}

}  // namespace optin::metrics
