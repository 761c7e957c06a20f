// A full disk during the release of a period (issue #6, "no batch lost, none delivered twice"):
// the release transaction cannot commit (SQLITE_FULL, simulated with PRAGMA max_page_count on
// the writer connection), so nothing of it is written — no outbox row, no epsilon spent, the
// period not decided, its events still there — the failure is logged without personal data, and
// once space returns the next attempt releases exactly one batch, with the id the period gives,
// counting each event once.
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <thread>

#include "app/https_transport.h"
#include "net/event_loop.h"
#include "platform/file_system.h"
#include "platform/log.h"
#include "provisioning/device_identity.h"
#include "sync/batch.h"
#include "sync/sync_service.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/sync/sync_world.h"

namespace optin::testing::full_disk_test {
namespace {

using consent::Purpose;

// Many offer categories make the signed batch larger than a page: storing it needs new pages,
// which a database that may not grow cannot give (the batch stays under the JWS size limit).
sync::SyncPolicy BigBatchPolicy() {
  sync::SyncPolicy p = TestSyncPolicy();
  for (int i = 0; i < 200; ++i) p.offer_categories.push_back("category-" + std::to_string(i));
  return p;
}

// The writer connection's page limit; it never drops below the current size, so 1 means "no
// growth".
void SetMaxPages(SyncWorld& w, int64_t pages) {
  ASSERT_TRUE(w.database().Write([pages](store::Connection& c) -> Status {
    return c.Exec("PRAGMA max_page_count=" + std::to_string(pages));
  }));
}

// No free pages to reuse: the release can only grow the file.
int64_t FreePages(SyncWorld& w) {
  return ValueOrDie(w.database().Write([](store::Connection& c) -> Result<int64_t> {
    OPTIN_ASSIGN_OR_RETURN(auto stmt, c.Prepare("PRAGMA freelist_count"));
    OPTIN_TRY(stmt.Step());
    return stmt.ColumnInt(0);
  }),
                    "freelist_count");
}

int64_t EpsilonSpent(SyncWorld& w) {
  return ValueOrDie(w.database().Read([](store::Connection& c) -> Result<int64_t> {
    OPTIN_ASSIGN_OR_RETURN(auto stmt,
                           c.Prepare("SELECT coalesce(sum(epsilon_micros), 0) FROM sync_periods"));
    OPTIN_TRY(stmt.Step());
    return stmt.ColumnInt(0);
  }),
                    "epsilon spent");
}

TEST(SyncFullDiskTest, AFailedReleaseWritesNothingAndTheRetryReleasesOneBatchCountedOnce) {
  const sync::SyncPolicy policy = BigBatchPolicy();
  SyncWorld w(sync::NoiseMode::kExactForTests, policy);
  w.Shopper("a", {Purpose::kHqAggregates});
  w.Shopper("b", {Purpose::kHqAggregates});
  const int64_t events = w.database().Count("sync_events");
  ASSERT_GT(events, 0);
  const int64_t start = kPeriodStart;
  const int64_t end = w.aggregator().NextCloseAfter(w.clock().NowUnix());
  w.clock().SetUnix(end + 60);

  ASSERT_EQ(FreePages(w), 0);
  SetMaxPages(w, 1);
  const std::string before = w.database().Snapshot();
  auto failed = w.Release();
  ASSERT_FALSE(failed.has_value()) << "the release committed on a full disk";
  EXPECT_EQ(failed.error().code, ErrorCode::kResourceExhausted) << failed.error().message;
  EXPECT_EQ(failed.error().reason, "disk-full");
  // Nothing half-written.
  EXPECT_EQ(w.database().Snapshot(), before);
  EXPECT_EQ(w.database().Count("sync_outbox"), 0);
  EXPECT_EQ(w.database().Count("sync_periods"), 0);
  EXPECT_EQ(EpsilonSpent(w), 0);
  EXPECT_EQ(w.database().Count("sync_events"), events);
  EXPECT_EQ(w.database().Count("audit_log", "kind = ?", "hq.batch_released"), 0);

  // Space returns: one batch, with the id this store and period give, each event counted once.
  SetMaxPages(w, 1'000'000);
  auto outcomes = ValueOrDie(w.Release(), "release after the disk emptied");
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].outcome, "released");
  EXPECT_EQ(outcomes[0].period_start, start);
  EXPECT_EQ(outcomes[0].events, 2);  // one check-in each
  const std::string id = sync::BatchId(policy.store_id, start, end);
  EXPECT_EQ(outcomes[0].batch_id, id);
  auto batches = w.Batches();
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].batch_id, id);
  EXPECT_GT(batches[0].jws.size(), 4096u) << "the batch fits in a page: the disk was not full";
  const auto payload = w.Payload(batches[0]);
  int64_t checkins = 0;
  for (const auto& [label, n] :
       payload.at("metrics").at("checkins_by_channel").at("cells").as_object()) {
    checkins += n.as_int64();
  }
  EXPECT_EQ(checkins, 2);
  EXPECT_EQ(EpsilonSpent(w), policy.period_epsilon_micros());
  EXPECT_EQ(w.database().Count("audit_log", "kind = ?", "hq.batch_released"), 1);

  // Released once: a further attempt has nothing to release, and the events go in the clean-up.
  EXPECT_TRUE(ValueOrDie(w.Release(), "second release").empty());
  EXPECT_EQ(w.Batches().size(), 1u);
  w.CleanUp();
  EXPECT_EQ(w.database().Count("sync_events"), 0);
}

// The service's release job on a full disk: logged (hq.release_failed) without personal data,
// nothing written; the next attempt (here: the next start) releases the one batch.
TEST(SyncFullDiskTest, TheServiceLogsAFailedReleaseWithoutPersonalDataAndRetries) {
  sync::SyncServiceConfig config;
  config.policy = BigBatchPolicy();
  config.hq_url = "https://127.0.0.1:9/v1/batches";
  SyncWorld w(sync::NoiseMode::kExactForTests, config.policy);
  w.Shopper("alice-app-id", {Purpose::kHqAggregates});
  const std::string subject = w.Subject("alice-app-id");
  const int64_t events = w.database().Count("sync_events");
  const int64_t start = kPeriodStart;
  const int64_t end = w.aggregator().NextCloseAfter(w.clock().NowUnix());
  w.clock().SetUnix(end + 60);

  TempDir dir;
  auto identity = ValueOrDie(
      provisioning::DeviceIdentity::Load(platform::FileSystem::Default(), w.keys().random(),
                                         dir.path(), {}, {}, w.clock().NowUnix()),
      "identity");
  auto start_service = [&](net::EventLoop& loop) {
    auto service = ValueOrDie(sync::SyncService::Create(config, w.database().db(), w.clock(),
                                                        w.keys().random(), identity, w.ledger()),
                              "sync service");
    service->Start(app::SyncHostOn(loop, w.keys().random()));  // releases what closed; the loop is not run: no periodic retry
    return service;
  };

  std::mutex mu;
  std::string logged;
  platform::log::SetSink([&](std::string_view line) {
    std::lock_guard lock(mu);
    logged.append(line).push_back('\n');
  });
  auto log_has = [&](std::string_view what) {
    std::lock_guard lock(mu);
    return logged.find(what) != std::string::npos;
  };

  ASSERT_EQ(FreePages(w), 0);
  SetMaxPages(w, 1);
  {
    net::EventLoop loop;
    auto service = start_service(loop);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!log_has("hq.release_failed") && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
    service->Stop();
  }
  platform::log::SetSink({});
  {
    std::lock_guard lock(mu);
    EXPECT_NE(logged.find("hq.release_failed"), std::string::npos) << logged;
    EXPECT_EQ(logged.find(subject), std::string::npos) << "the subject was logged:\n" << logged;
    EXPECT_EQ(logged.find("alice-app-id"), std::string::npos) << logged;
  }
  EXPECT_EQ(w.database().Count("sync_outbox"), 0);
  EXPECT_EQ(w.database().Count("sync_periods"), 0);
  EXPECT_EQ(w.database().Count("sync_events"), events);

  SetMaxPages(w, 1'000'000);
  {
    net::EventLoop loop;
    auto service = start_service(loop);
    // Released, then the clean-up that follows the release deletes the events.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while ((w.database().Count("sync_outbox") == 0 || w.database().Count("sync_events") > 0) &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
    service->Stop();
  }
  auto batches = w.Batches();
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].batch_id, sync::BatchId(config.policy.store_id, start, end));
  EXPECT_EQ(w.database().Count("sync_periods", "outcome = 'released'"), 1);
  EXPECT_EQ(w.database().Count("sync_events"), 0);
}

}  // namespace
}  // namespace optin::testing::full_disk_test
