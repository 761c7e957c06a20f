// Test wiring for the sync module as the daemon wires it: AssistWorld (the daemon's domain graph
// over real SQLite, a fake clock and deterministic keys) plus the event recorder hooked in by
// app::Domain::AttachSync (consent, check-in, help request, claim and offer view hooks), the
// outbox and the aggregator signing with the device key. The clock starts 60 s into a period. One
// per test; not thread-safe.
#pragma once

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <memory>
#include <string>

#include "privacy/jws.h"
#include "sync/aggregator.h"
#include "sync/event_recorder.h"
#include "sync/outbox.h"
#include "tests/unit/assist/assist_world.h"

namespace optin::testing {

inline constexpr int64_t kPeriodStart = 1'790'000'000 / 3600 * 3600;

inline sync::SyncPolicy TestSyncPolicy() {
  sync::SyncPolicy p;
  p.store_id = "store-0042";
  p.software_version = "test";
  p.topics = assist::HelpDeskPolicy{}.topics;
  p.offer_categories = {"running", "cycling"};
  p.period = std::chrono::hours(1);  // hourly periods: a test walks through a few of them
  return p;
}

class SyncWorld : public AssistWorld {
 public:
  explicit SyncWorld(sync::NoiseMode mode = sync::NoiseMode::kExactForTests,
                     sync::SyncPolicy policy = TestSyncPolicy(),
                     sync::OutboxPolicy outbox_policy = {})
      : recorder_(clock(), ledger()),
        signer_(sync::MakeJwsSigner(keys().signing_key(), keys().random())),
        outbox_(clock(), outbox_policy, signer_),
        aggregator_(clock(), keys().random(), std::move(policy), outbox_, signer_, mode) {
    clock().SetUnix(kPeriodStart + 60);
    domain().AttachSync(recorder_);  // the daemon's hooks of the recorder
  }

  sync::EventRecorder& recorder() { return recorder_; }
  sync::Outbox& outbox() { return outbox_; }
  sync::Aggregator& aggregator() { return aggregator_; }

  Result<std::vector<sync::PeriodOutcome>> Release() {
    return database().Write([&](store::Connection& c) -> Result<std::vector<sync::PeriodOutcome>> {
      return aggregator_.ReleaseClosedPeriods(c);
    });
  }
  // Moves to 60 s into the next period and releases what closed.
  std::vector<sync::PeriodOutcome> NextPeriod() {
    const int64_t now = clock().NowUnix();
    clock().SetUnix(aggregator_.NextCloseAfter(now) + 60);
    return ValueOrDie(Release(), "release");
  }
  // Deletes the released events in chunks of `chunk`, as the service does; returns the chunk
  // sizes.
  std::vector<int64_t> CleanUp(int64_t chunk = 5'000) {
    std::vector<int64_t> sizes;
    for (;;) {
      int64_t n = ValueOrDie(database().Write([&](store::Connection& c) -> Result<int64_t> {
        return sync::Aggregator::DeleteReleasedEvents(c, chunk);
      }),
                             "clean up");
      sizes.push_back(n);
      if (n < chunk) return sizes;
    }
  }
  std::vector<sync::OutboxBatch> Batches() {
    return ValueOrDie(
        database().Read([&](store::Connection& c) { return outbox_.Head(c, 100000); }),
        "outbox head");
  }
  // The payload of a batch, after checking its signature against the device key.
  boost::json::object Payload(const sync::OutboxBatch& b) {
    auto parsed = privacy::VerifyJws(keys().public_key(), b.jws, sync::kMaxBatchJwsBytes);
    EXPECT_TRUE(parsed.has_value()) << (parsed ? "" : parsed.error().message);
    return parsed ? parsed->payload : boost::json::object{};
  }
  // metrics[metric].cells[label] of a payload, or -1 when absent.
  static int64_t Metric(const boost::json::object& payload, std::string_view metric,
                        std::string_view label) {
    const auto& m = payload.at("metrics").as_object().at(metric).as_object();
    auto* v = m.at("cells").as_object().if_contains(label);
    return v ? v->as_int64() : -1;
  }
  // metrics[metric].variance[label] of a payload, or -1 when absent.
  static double Variance(const boost::json::object& payload, std::string_view metric,
                         std::string_view label) {
    const auto& m = payload.at("metrics").as_object().at(metric).as_object();
    auto* v = m.at("variance").as_object().if_contains(label);
    return v ? v->to_number<double>() : -1;
  }

 private:
  sync::EventRecorder recorder_;
  sync::BatchSigner signer_;
  sync::Outbox outbox_;
  sync::Aggregator aggregator_;
};

}  // namespace optin::testing
