// The release transaction only marks a period's events released (its sync_periods row); they are
// deleted afterwards in chunks, never counted again meanwhile, still erased with their subject,
// and a restart finishes an interrupted clean-up.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "app/https_transport.h"
#include "net/event_loop.h"
#include "platform/file_system.h"
#include "provisioning/device_identity.h"
#include "sync/sync_service.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/sync/sync_world.h"

namespace optin::testing::cleanup_test {
namespace {

using consent::Purpose;

// `n` check-in events of `subject` at the current time, inserted directly.
void AddEvents(SyncWorld& w, const std::string& subject, int64_t n) {
  ASSERT_TRUE(w.database().Write([&](store::Connection& c) -> Status {
    for (int64_t i = 0; i < n; ++i) {
      OPTIN_TRY(
          c.Execute("INSERT INTO sync_events(subject_id, at, metric, label) VALUES (?, ?, ?, ?)",
                    subject, w.clock().NowUnix(), "checkins_by_channel", "web"));
    }
    return Ok();
  }));
}

TEST(SyncCleanupTest, ReleasedEventsAreDeletedInChunksAndNeverCountedTwice) {
  SyncWorld w;
  w.Shopper("a", {Purpose::kHqAggregates});
  AddEvents(w, w.Subject("a"), 11);
  auto first = w.NextPeriod();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].events, 1);                     // capped: one check-in per subject and period
  EXPECT_EQ(w.database().Count("sync_events"), 12);  // marked, not deleted

  // Released but not yet deleted: the next period does not count them again.
  w.Shopper("b", {Purpose::kHqAggregates});
  auto second = w.NextPeriod();
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].events, 1);
  EXPECT_EQ(SyncWorld::Metric(w.Payload(w.Batches().at(1)), "checkins_by_channel", "app"), 1);
  EXPECT_EQ(SyncWorld::Metric(w.Payload(w.Batches().at(1)), "checkins_total", "all"), 1);

  EXPECT_EQ(w.CleanUp(5), (std::vector<int64_t>{5, 5, 3}));
  EXPECT_EQ(w.database().Count("sync_events"), 0);
}

TEST(SyncCleanupTest, ReleasedEventsWaitingForCleanUpAreErasedWithTheirSubject) {
  SyncWorld w;
  w.Shopper("a", {Purpose::kHqAggregates});
  w.Shopper("b", {Purpose::kHqAggregates});
  w.NextPeriod();
  ASSERT_EQ(w.database().Count("sync_events"), 2);
  ASSERT_TRUE(w.database().Write([&](store::Connection& c) -> Status {
    OPTIN_TRY(c.Execute("DELETE FROM subjects WHERE id = ?", w.Subject("a")));
    return Ok();
  }));
  EXPECT_EQ(w.database().Count("sync_events", "subject_id = ?", w.Subject("a")), 0);
  ASSERT_TRUE(w.Withdraw(w.Subject("b"), {Purpose::kHqAggregates}));
  EXPECT_EQ(w.database().Count("sync_events"), 0);
}

TEST(SyncCleanupTest, EventsStampedBeforeADecidedPeriodCountInTheNextOne) {
  SyncWorld w;
  w.NextPeriod();
  w.Shopper("a", {Purpose::kHqAggregates});  // released events of the period stay around
  w.NextPeriod();
  w.clock().SetUnix(kPeriodStart - 7200);  // the clock steps back two hours
  w.Shopper("b", {Purpose::kHqAggregates});
  w.clock().SetUnix(kPeriodStart + 3 * 3600 + 60);
  auto outcomes = ValueOrDie(w.Release(), "release");
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].events, 1);  // b's, not a's again
  w.CleanUp();
  EXPECT_EQ(w.database().Count("sync_events"), 0);
}

TEST(SyncCleanupTest, ARestartFinishesAnInterruptedCleanUp) {
  SyncWorld w;
  w.Shopper("a", {Purpose::kHqAggregates});
  AddEvents(w, w.Subject("a"), 2 * sync::kCleanupChunk + 7);
  w.NextPeriod();
  // The daemon stopped after one chunk.
  ASSERT_EQ(ValueOrDie(w.database().Write([](store::Connection& c) {
              return sync::Aggregator::DeleteReleasedEvents(c, sync::kCleanupChunk);
            }),
                       "one chunk"),
            sync::kCleanupChunk);
  ASSERT_EQ(w.database().Count("sync_events"), sync::kCleanupChunk + 8);

  // Started again: a fresh service over the same database (not provisioned: no upload).
  TempDir dir;
  auto identity = ValueOrDie(
      provisioning::DeviceIdentity::Load(platform::FileSystem::Default(), w.keys().random(),
                                         dir.path(), {}, {}, w.clock().NowUnix()),
      "identity");
  sync::SyncServiceConfig config;
  config.policy = TestSyncPolicy();
  config.hq_url = "https://127.0.0.1:9/v1/batches";
  auto service = ValueOrDie(sync::SyncService::Create(config, w.database().db(), w.clock(),
                                                      w.keys().random(), identity, w.ledger()),
                            "sync service");
  net::EventLoop loop;
  service->Start(app::SyncHostOn(loop, w.keys().random()));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (w.database().Count("sync_events") > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  EXPECT_EQ(w.database().Count("sync_events"), 0);
  service->Stop();
}

}  // namespace
}  // namespace optin::testing::cleanup_test
