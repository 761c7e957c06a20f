// SyncService::Stop and the database jobs the service queued: their completions touch the
// service, so Stop returns only once each has ended, and the service may be destroyed at once
// (the daemon stops it and then the database; a test destroys it right after). Found by
// AddressSanitizer: a clean-up completion wrote to a destroyed service.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "platform/file_system.h"
#include "provisioning/device_identity.h"
#include "sync/sync_service.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/sync/sync_world.h"

namespace optin::testing::sync_service_stop_test {
namespace {

TEST(SyncServiceStopTest, StopReturnsOnlyAfterTheCompletionsOfItsQueuedJobsHaveRun) {
  sync::SyncServiceConfig config;
  config.policy = TestSyncPolicy();
  config.allow_manual_release = true;
  config.hq_url = "https://127.0.0.1:9/v1/batches";
  SyncWorld w(sync::NoiseMode::kExactForTests, config.policy);
  TempDir dir;
  auto identity = ValueOrDie(
      provisioning::DeviceIdentity::Load(platform::FileSystem::Default(), w.keys().random(),
                                         dir.path(), {}, {}, w.clock().NowUnix()),
      "identity");
  auto service = ValueOrDie(sync::SyncService::Create(config, w.database().db(), w.clock(),
                                                      w.keys().random(), identity, w.ledger()),
                            "sync service");

  // The single writer is held by a job of the test's, so the release queues behind it.
  std::promise<void> held, let_go;
  auto let_go_future = let_go.get_future();
  w.database().db().Write(
      [&held, &let_go_future](store::Connection&) -> Status {
        held.set_value();
        let_go_future.wait();
        return Ok();
      },
      [](Status) {});
  held.get_future().wait();
  std::atomic<bool> completed{false};
  service->ReleaseNow([&completed](Result<std::vector<sync::PeriodOutcome>>) { completed = true; });

  std::atomic<bool> completed_when_stop_returned{false};
  std::thread stopper([&] {
    service->Stop();
    completed_when_stop_returned = completed.load();
  });
  // Stop has begun once the service refuses new work; only then is the writer let go.
  bool began = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!began && std::chrono::steady_clock::now() < deadline) {
    std::promise<Result<sync::SyncStatus>> status;
    service->ReadStatus([&status](Result<sync::SyncStatus> s) { status.set_value(std::move(s)); });
    Result<sync::SyncStatus> s = status.get_future().get();
    began = !s && s.error().reason == "sync-stopping";
    if (!began) std::this_thread::yield();
  }
  let_go.set_value();
  stopper.join();
  ASSERT_TRUE(began) << "Stop never began refusing work";
  EXPECT_TRUE(completed_when_stop_returned)
      << "Stop returned while the release it had queued was still to complete";
  service.reset();  // safe now: nothing of it is left on the database's threads
}

}  // namespace
}  // namespace optin::testing::sync_service_stop_test
