#include "sync/uploader.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <deque>
#include <set>

#include "sync/hq_transport.h"
#include "tests/unit/sync/sync_world.h"

namespace optin::testing::uploader_test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

// A scripted HQ: each Post takes the next scripted outcome (default: acknowledge everything),
// and records what was posted. "HQ" deduplicates by batch id as the reference HQ does.
class FakeHq final : public sync::BatchTransport {
 public:
  enum class Mode { kAck, kRefused, kServerError, kTimeout, kRejectFirst, kAckButLose };
  std::deque<Mode> script;
  std::vector<std::vector<std::string>> posts;  // batch ids per request
  std::vector<std::string> stored;              // in arrival order, once each

  Result<sync::TransportResponse> Post(const std::string& body) override {
    Mode mode = Mode::kAck;
    if (!script.empty()) {
      mode = script.front();
      script.pop_front();
    }
    std::vector<std::string> ids;
    const json::value request = json::parse(body);
    for (const auto& jws : request.as_object().at("batches").as_array()) {
      auto parsed = privacy::ParseJws(jws.as_string());
      ids.push_back(std::string(parsed->payload.at("batch_id").as_string()));
    }
    posts.push_back(ids);
    switch (mode) {
      case Mode::kRefused:
        return Fail(ErrorCode::kUnavailable, "connection refused", {}, "connection-refused");
      case Mode::kServerError:
        return sync::TransportResponse{500, "{}"};
      case Mode::kTimeout:
        Store(ids);  // it arrived, the answer did not
        return Fail(ErrorCode::kUnavailable, "timed out", {}, "timeout");
      default:
        break;
    }
    json::array results;
    for (size_t i = 0; i < ids.size(); ++i) {
      if (mode == Mode::kRejectFirst && i == 0) {
        results.push_back(json::object{
            {"batch_id", ids[i]}, {"status", "rejected"}, {"reason", "bad-signature"}});
        continue;
      }
      const bool dup = std::find(stored.begin(), stored.end(), ids[i]) != stored.end();
      if (!dup) stored.push_back(ids[i]);
      results.push_back(
          json::object{{"batch_id", ids[i]}, {"status", dup ? "duplicate" : "stored"}});
    }
    if (mode == Mode::kAckButLose) {
      return Fail(ErrorCode::kUnavailable, "connection reset", {}, "io");
    }
    return sync::TransportResponse{200, json::serialize(json::object{{"results", results}})};
  }

 private:
  void Store(const std::vector<std::string>& ids) {
    for (const auto& id : ids) {
      if (std::find(stored.begin(), stored.end(), id) == stored.end()) stored.push_back(id);
    }
  }
};

sync::OutboxPolicy SmallRequests() {
  sync::OutboxPolicy p;
  p.batches_per_request = 2;
  p.backoff_initial = 1000ms;
  p.backoff_max = 8000ms;
  return p;
}

class UploaderTest : public ::testing::Test {
 protected:
  UploaderTest()
      : w_(sync::NoiseMode::kExactForTests, TestSyncPolicy(), SmallRequests()),
        uploader_(w_.database().db(), w_.outbox(), hq_, w_.clock(), w_.keys().random()) {}

  std::vector<std::string> MakeBatches(int n) {
    std::vector<std::string> ids;
    for (int i = 0; i < n; ++i) {
      for (const auto& o : w_.NextPeriod()) ids.push_back(o.batch_id);
    }
    return ids;
  }

  SyncWorld w_;
  FakeHq hq_;
  sync::Uploader uploader_;
};

TEST_F(UploaderTest, DeliversInOrderAndEmptiesTheOutbox) {
  auto ids = MakeBatches(5);
  while (uploader_.Step() == sync::StepResult::kDelivered) {
  }
  EXPECT_EQ(hq_.stored, ids);
  ASSERT_EQ(hq_.posts.size(), 3u);  // 2 + 2 + 1
  EXPECT_EQ(w_.database().Count("sync_outbox"), 0);
  auto stats = uploader_.stats();
  EXPECT_EQ(stats.batches_sent, 5u);
  EXPECT_EQ(stats.outbox_pending, 0);
  EXPECT_EQ(uploader_.Step(), sync::StepResult::kIdle);
}

TEST_F(UploaderTest, BackoffGrowsExponentiallyWithJitterAndResetsOnSuccess) {
  auto ids = MakeBatches(1);
  hq_.script = {FakeHq::Mode::kRefused, FakeHq::Mode::kServerError, FakeHq::Mode::kRefused,
                FakeHq::Mode::kRefused, FakeHq::Mode::kRefused};
  std::vector<int64_t> ceilings = {1000, 2000, 4000, 8000, 8000};
  for (int64_t ceiling : ceilings) {
    const auto before = w_.clock().Monotonic();
    EXPECT_EQ(uploader_.Step(), sync::StepResult::kFailed);
    const auto wait = uploader_.next_attempt() - before;
    EXPECT_LE(wait, std::chrono::milliseconds(ceiling));
    EXPECT_GE(wait, 0ms);
    // Not before its time.
    if (wait > 0ms) {
      EXPECT_EQ(uploader_.Step(), sync::StepResult::kNotDue);
    }
    w_.clock().Advance(wait);
  }
  EXPECT_EQ(uploader_.stats().consecutive_failures, 5);
  EXPECT_EQ(uploader_.Step(), sync::StepResult::kDelivered);
  EXPECT_EQ(uploader_.stats().consecutive_failures, 0);
  EXPECT_EQ(hq_.stored, ids);
  EXPECT_EQ(hq_.posts.size(), 6u);
}

TEST_F(UploaderTest, JitterSpreadsRetries) {
  std::set<int64_t> delays;
  for (int i = 0; i < 20; ++i) delays.insert(uploader_.Backoff(4).count());
  EXPECT_GT(delays.size(), 10u);
  for (int64_t d : delays) EXPECT_LE(d, 8000);
}

TEST_F(UploaderTest, LostAcknowledgementIsResentAndHqCountsItOnce) {
  auto ids = MakeBatches(1);
  hq_.script = {FakeHq::Mode::kAckButLose, FakeHq::Mode::kTimeout};
  EXPECT_EQ(uploader_.Step(), sync::StepResult::kFailed);
  w_.clock().Advance(10s);
  EXPECT_EQ(uploader_.Step(), sync::StepResult::kFailed);
  w_.clock().Advance(10s);
  EXPECT_EQ(uploader_.Step(), sync::StepResult::kDelivered);
  EXPECT_EQ(hq_.stored, ids);
  EXPECT_EQ(uploader_.stats().batches_duplicate, 1u);
  EXPECT_EQ(w_.database().Count("sync_outbox"), 0);
}

TEST_F(UploaderTest, RejectedBatchIsSetAsideAndTheRestFlow) {
  auto ids = MakeBatches(3);
  hq_.script = {FakeHq::Mode::kRejectFirst};
  while (uploader_.Step() == sync::StepResult::kDelivered) {
  }
  EXPECT_EQ(hq_.stored, (std::vector<std::string>{ids[1], ids[2]}));
  EXPECT_EQ(w_.database().Count("sync_outbox", "state = 'rejected'"), 1);
  EXPECT_EQ(uploader_.stats().batches_rejected, 1u);
  EXPECT_EQ(uploader_.stats().outbox_rejected, 1);
}

TEST_F(UploaderTest, SurvivesARestartWithTheOutboxIntact) {
  auto ids = MakeBatches(3);
  hq_.script = {FakeHq::Mode::kTimeout};
  EXPECT_EQ(uploader_.Step(), sync::StepResult::kFailed);
  // A new uploader (the daemon restarted) picks up where the old one stopped.
  sync::Uploader again(w_.database().db(), w_.outbox(), hq_, w_.clock(), w_.keys().random());
  while (again.Step() == sync::StepResult::kDelivered) {
  }
  EXPECT_EQ(hq_.stored, ids);
}

TEST(OutboxBoundsTest, OldestBatchesAreMergedNeverDroppedAndUncertainOnesKept) {
  sync::OutboxPolicy policy;
  policy.max_batches = 4;
  SyncWorld w(sync::NoiseMode::kExactForTests, TestSyncPolicy(), policy);
  FakeHq hq;
  sync::Uploader uploader(w.database().db(), w.outbox(), hq, w.clock(), w.keys().random());
  // One batch that may have reached HQ (timeout) must never be merged.
  w.Shopper("a", {consent::Purpose::kHqAggregates});
  w.NextPeriod();
  hq.script = {FakeHq::Mode::kTimeout};
  EXPECT_EQ(uploader.Step(), sync::StepResult::kFailed);
  hq.stored.clear();
  for (int i = 0; i < 6; ++i) {
    w.Shopper("s" + std::to_string(i), {consent::Purpose::kHqAggregates});
    w.NextPeriod();
  }
  ASSERT_EQ(w.database().Count("sync_outbox"), 7);
  auto merged = ValueOrDie(
      w.database().Write([&](store::Connection& c) { return w.outbox().Compact(c); }), "compact");
  EXPECT_EQ(merged, 3);
  auto batches = w.Batches();
  ASSERT_EQ(batches.size(), 4u);
  // The uncertain one first and unchanged, then one merged batch of four periods.
  EXPECT_EQ(w.Payload(batches[0]).at("period").as_object().at("periods").as_int64(), 1);
  auto merged_payload = w.Payload(batches[1]);
  EXPECT_EQ(merged_payload.at("period").as_object().at("periods").as_int64(), 4);
  EXPECT_EQ(SyncWorld::Metric(merged_payload, "checkins_by_channel", "app"), 4);
  int64_t total = 0;
  for (const auto& b : batches)
    total += SyncWorld::Metric(w.Payload(b), "checkins_by_channel", "app");
  EXPECT_EQ(total, 7);  // every check-in still counted once
  EXPECT_EQ(
      merged_payload.at("batch_id").as_string(),
      sync::BatchId("store-0042", merged_payload.at("period").as_object().at("start").as_int64(),
                    merged_payload.at("period").as_object().at("end").as_int64()));
}

TEST(OutboxBoundsTest, BatchesPastTheMaximumAgeAreMerged) {
  sync::OutboxPolicy policy;
  policy.max_age = std::chrono::minutes(150);
  SyncWorld w(sync::NoiseMode::kExactForTests, TestSyncPolicy(), policy);
  for (int i = 0; i < 6; ++i) w.NextPeriod();
  auto merged = ValueOrDie(
      w.database().Write([&](store::Connection& c) { return w.outbox().Compact(c); }), "compact");
  EXPECT_EQ(merged, 2);  // batches created 5, 4 and 3 hours ago become one
  auto depth = ValueOrDie(
      w.database().Read([&](store::Connection& c) { return w.outbox().Depth(c); }), "depth");
  EXPECT_EQ(depth.pending, 4);
  EXPECT_GE(depth.oldest_age_seconds, 3 * 3600);
}

TEST(HqUrlTest, ParsesHttpsUrlsOnly) {
  auto u = sync::ParseHqUrl("https://hq.example:8444/v1/batches");
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(u->host, "hq.example");
  EXPECT_EQ(u->port, 8444);
  EXPECT_EQ(u->path, "/v1/batches");
  auto d = sync::ParseHqUrl("https://hq.example");
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->port, 443);
  EXPECT_EQ(d->path, "/v1/batches");
  EXPECT_FALSE(sync::ParseHqUrl("http://hq.example").has_value());
  EXPECT_FALSE(sync::ParseHqUrl("https://:80/").has_value());
  EXPECT_FALSE(sync::ParseHqUrl("https://hq:99999/").has_value());
}

}  // namespace
}  // namespace optin::testing::uploader_test
