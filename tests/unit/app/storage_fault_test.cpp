// The box's storage failing under the whole service (issue 17 part 3): the daemon's parts, in
// this process, with every file behind a platform::FaultInjectingFileSystem — the SQLite
// database's own writes, fsyncs and truncates included, through store/door_vfs.h — and real
// requests over a real socket. A full disk, EIO on fsync and a short write during a check-in,
// an erasure and a batch release: each answered with a clear problem, nothing acknowledged that
// is not on disk, and the service serving again, without a restart, once the fault clears.
#include <gtest/gtest.h>
#include <signal.h>

#include <cerrno>
#include <chrono>
#include <thread>

#include "app/admin_call.h"
#include "app/config.h"
#include "app/service.h"
#include "platform/fault_injecting_file_system.h"
#include "platform/key_store.h"
#include "platform/random.h"
#include "store/connection.h"
#include "tests/support/child_process.h"
#include "tests/support/http_call.h"
#include "tests/support/temp_dir.h"
#include "visits/presence_code.h"

namespace optin::app::storage_fault_test {
namespace {

using platform::FileSystem;
using testing::HttpCall;
using testing::HttpResult;
using FileOp = FileSystem::FileOp;

using testing::FreePort;

std::string Str(const HttpResult& r, std::string_view member) {
  const auto v = r.json();
  const auto* m = v.is_object() ? v.as_object().if_contains(member) : nullptr;
  return m && m->is_string() ? std::string(m->as_string()) : std::string();
}

class StorageFaultTest : public ::testing::Test {
 protected:
  // The settings beyond the test's own (the release test turns sync on).
  virtual void Configure(Config&) {}

  void SetUp() override {
    Config c;
    c.data_dir = dir_.path() / "data";
    c.listen.port = FreePort();
    c.listen.plain_http = true;
    c.admin.port = 0;
    c.log.level = "warn";
    Configure(c);
    port_ = c.listen.port;
    config_ = c;
    auto service = Service::Create(std::move(c), faults_);
    ASSERT_TRUE(service.has_value()) << service.error().message;
    service_ = std::move(*service);
    runner_ = std::thread([this] { exit_code_ = service_->Run(); });
    // Serving once the public listener answers (its signal handlers are set up by then).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (HttpCall(port_, "GET", "/v1/store").status != 200) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the service never served";
      std::this_thread::yield();
    }
    auto random = platform::CtrDrbg::Create("storage-fault-test");
    ASSERT_TRUE(random.has_value());
    random_ = std::move(*random);
    auto keys = platform::KeyStore::Open(FileSystem::Default(), *random_, dir_.path() / "data");
    ASSERT_TRUE(keys.has_value()) << keys.error().message;
    presence_ = std::make_unique<visits::PresenceCode>((*keys)->DeriveKey("presence"),
                                                       platform::SystemClock::Instance());
  }

  void TearDown() override {
    faults_.Heal();
    if (runner_.joinable()) {
      kill(getpid(), SIGTERM);  // the service's own handler drains and stops it
      runner_.join();
      EXPECT_EQ(exit_code_, 0);
    }
  }

  // An anonymous check-in (the shopper page's) with `purposes`.
  HttpResult CheckIn(const std::string& purposes = R"({"offers": true})") {
    return HttpCall(
        port_, "POST", "/v1/checkins",
        R"({"presence_code":")" + presence_->Current() + R"(","purposes":)" + purposes + "}");
  }

  // Rows of `table` in the database file, read after the service has stopped (what is on
  // disk, not what a connection caches).
  int64_t RowsOnDisk(const std::string& table) {
    TearDown();
    auto conn =
        store::Connection::Open(dir_.path() / "data" / "optin-edge.db", store::OpenMode::kReadOnly);
    EXPECT_TRUE(conn.has_value());
    if (!conn) return -1;
    auto stmt = (*conn)->Prepare("SELECT count(*) FROM " + table);
    EXPECT_TRUE(stmt.has_value());
    if (!stmt || !stmt->Step().value_or(false)) return -1;
    return stmt->ColumnInt(0);
  }
  std::string IntegrityOnDisk() {
    TearDown();
    auto conn =
        store::Connection::Open(dir_.path() / "data" / "optin-edge.db", store::OpenMode::kReadOnly);
    if (!conn) return conn.error().message;
    auto stmt = (*conn)->Prepare("PRAGMA integrity_check");
    if (!stmt || !stmt->Step().value_or(false)) return "no answer";
    return stmt->ColumnText(0);
  }

  static void ExpectStorageProblem(const HttpResult& r, const std::string& reason) {
    EXPECT_EQ(r.status, 503) << r.body;
    EXPECT_EQ(Str(r, "type"), "urn:optin-edge:problem:" + reason) << r.body;
    EXPECT_FALSE(Str(r, "detail").empty()) << r.body;
    EXPECT_NE(r.headers.find("Retry-After:"), std::string::npos) << r.headers;
  }

  testing::TempDir dir_;
  Config config_;
  platform::FaultInjectingFileSystem faults_{FileSystem::Default()};
  std::unique_ptr<Service> service_;
  std::thread runner_;
  int exit_code_ = -1;
  uint16_t port_ = 0;
  std::unique_ptr<platform::Random> random_;
  std::unique_ptr<visits::PresenceCode> presence_;
};

TEST_F(StorageFaultTest, ACheckInOnAFullDiskIsRefusedAndTheNextOneIsStoredOnceItClears) {
  faults_.FailOnly(FileOp::kWrite, 0, ENOSPC);
  ExpectStorageProblem(CheckIn(), "disk-full");
  EXPECT_GT(faults_.faults_injected(), 0) << "the database's writes went through the door";
  // Reads go on meanwhile.
  EXPECT_EQ(HttpCall(port_, "GET", "/v1/store").status, 200);

  faults_.Heal();
  HttpResult in = CheckIn();
  ASSERT_EQ(in.status, 201) << in.body;
  EXPECT_EQ(HttpCall(port_, "GET", "/v1/me", "", Str(in, "visit_token")).status, 200);
  EXPECT_EQ(RowsOnDisk("visits"), 1) << "the refused check-in left nothing";
}

TEST_F(StorageFaultTest, AnErasureWhoseFsyncFailsIsNotAcknowledgedAndErasesOnceItClears) {
  HttpResult in = CheckIn();
  ASSERT_EQ(in.status, 201) << in.body;
  const std::string token = Str(in, "visit_token");

  faults_.FailOnly(FileOp::kSync, 0, EIO);
  ExpectStorageProblem(HttpCall(port_, "DELETE", "/v1/me", "", token), "storage-failed");
  faults_.Heal();
  // Not acknowledged: the shopper's data is still there, and erasing again works.
  EXPECT_EQ(HttpCall(port_, "GET", "/v1/me", "", token).status, 200);
  HttpResult erased = HttpCall(port_, "DELETE", "/v1/me", "", token);
  ASSERT_EQ(erased.status, 200) << erased.body;
  EXPECT_EQ(HttpCall(port_, "GET", "/v1/me", "", token).status, 401);
  EXPECT_EQ(RowsOnDisk("visits"), 0);
}

TEST_F(StorageFaultTest, AShortWriteDuringACheckInIsRefusedAndLeavesTheDatabaseWhole) {
  ASSERT_EQ(CheckIn().status, 201);
  faults_.ShortWritesAfter(0);
  ExpectStorageProblem(CheckIn(), "disk-full");
  EXPECT_GT(faults_.faults_injected(), 0);
  faults_.Heal();
  ASSERT_EQ(CheckIn().status, 201);
  EXPECT_EQ(IntegrityOnDisk(), "ok");
  EXPECT_EQ(RowsOnDisk("visits"), 2);
}

// Sync on, uploads off (the box is not provisioned: batches wait in the outbox), and the
// admin's release-now allowed with the budget's room for it.
class StorageFaultReleaseTest : public StorageFaultTest {
 protected:
  void Configure(Config& c) override {
    c.admin.port = FreePort();
    c.sync.hq_url = "https://localhost:9/v1/batches";
    c.sync.allow_manual_release = true;
    c.sync.epsilon_per_day = "3.0";  // room for two manual releases beside the day's periods
  }
  net::Response Admin(const std::string& method, const std::string& target) {
    auto r = CallAdmin(config_, config_.admin.port, method, target);
    EXPECT_TRUE(r.has_value()) << r.error().message;
    return r ? *r : net::Response{};
  }
  // POST /v1/admin/sync/release, asked again while the last release ended this very second.
  net::Response Release() {
    net::Response r;
    for (int attempt = 0; attempt < 50; ++attempt) {
      r = Admin("POST", "/v1/admin/sync/release");
      if (r.status != 409) return r;
      std::this_thread::yield();
    }
    ADD_FAILURE() << "release still refused: " << r.body;
    return r;
  }
  // The outbox's batches waiting for HQ, or -1 when the status is unreadable.
  int64_t Pending() { return StatusNumber("outbox", "pending"); }
  // A number of GET /v1/admin/sync/status (in `group`, or at the top when empty), or -1.
  int64_t StatusNumber(std::string_view group, std::string_view name) {
    net::Response r = Admin("GET", "/v1/admin/sync/status");
    boost::system::error_code ec;
    auto v = boost::json::parse(r.body, ec);
    if (ec || !v.is_object()) return -1;
    const auto& o = group.empty() ? v.as_object() : v.at(group).as_object();
    const auto* n = o.if_contains(name);
    return n != nullptr && n->is_int64() ? n->as_int64() : -1;
  }
};

TEST_F(StorageFaultReleaseTest, ABatchReleaseWhoseFsyncFailsSpendsNothingAndReleasesOnceItClears) {
  const int64_t pending = Pending();
  const int64_t periods = StatusNumber("", "periods_released");
  const int64_t spent = StatusNumber("budget", "epsilon_spent_today_micros");
  ASSERT_GE(pending, 0);
  ASSERT_GE(periods, 0);
  ASSERT_GE(spent, 0);

  faults_.FailOnly(FileOp::kSync, 0, EIO);
  net::Response failed = Release();
  EXPECT_EQ(failed.status, 503) << failed.body;
  EXPECT_NE(failed.body.find("storage-failed"), std::string::npos) << failed.body;
  faults_.Heal();
  EXPECT_EQ(Pending(), pending) << "the failed release put nothing in the outbox";
  EXPECT_EQ(StatusNumber("", "periods_released"), periods) << "no period was decided";
  EXPECT_EQ(StatusNumber("budget", "epsilon_spent_today_micros"), spent)
      << "the failed release spent none of the day's budget";

  net::Response released = Release();
  ASSERT_EQ(released.status, 200) << released.body;
  const auto batches = boost::json::parse(released.body).at("released").as_array();
  ASSERT_FALSE(batches.empty());
  EXPECT_EQ(Pending(), pending + static_cast<int64_t>(batches.size()));
  EXPECT_EQ(StatusNumber("", "periods_released"), periods + 1);
  EXPECT_GT(StatusNumber("budget", "epsilon_spent_today_micros"), spent);
}

}  // namespace
}  // namespace optin::app::storage_fault_test
