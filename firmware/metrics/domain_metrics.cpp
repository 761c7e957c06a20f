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
    checkins_.Add({{"channel", std::string(channel)}});
  }
  for (consent::Purpose p : consent::kAllPurposes) {
    for (std::string_view change : {"granted", "withdrawn"}) {
      consent_changes_.Add(
          {{"purpose", std::string(consent::ToString(p))}, {"change", std::string(change)}});
    }
  }
  for (const std::string& topic : topics_) help_requests_.Add({{"topic", topic}});
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
  prometheus::Counter* counter = &checkins_.Add({{"channel", std::string(ChannelLabel(channel))}});
  conn.AfterCommit([counter] { counter->Increment(); });
  return Ok();
}

Status DomainMetrics::OnConsentChange(store::Connection& conn, consent::Purpose purpose,
                                      bool granted) {
  prometheus::Counter* counter =
      &consent_changes_.Add({{"purpose", std::string(consent::ToString(purpose))},
                             {"change", granted ? "granted" : "withdrawn"}});
  conn.AfterCommit([counter] { counter->Increment(); });
  return Ok();
}

Status DomainMetrics::OnHelpRequest(store::Connection& conn, std::string_view topic) {
  prometheus::Counter* counter =
      &help_requests_.Add({{"topic", std::string(OneOf(topic, topics_))}});
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
