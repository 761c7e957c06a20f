// A full disk: the daemon's data dir is a small filesystem of the test's own (a 4 MiB tmpfs in
// a private mount namespace), filled to the last page with a file. Writes must then be refused
// with 503 and a clear problem, reads must go on, nothing may be corrupted or lost, and writes
// must succeed again, without a restart, once the file is deleted. Where this machine lets no
// test mount a filesystem of its own, the tests skip and say why.
#include <gtest/gtest.h>

#include <cerrno>
#include <map>

#include "tests/integration/daemon_harness.h"
#include "tests/integration/db_reader.h"
#include "tests/integration/small_filesystem.h"

namespace optin::testing::disk_full_test {
namespace {

std::string Str(const boost::json::value& v) { return std::string(v.as_string().c_str()); }

constexpr size_t kDiskBytes = 4 << 20;

class DiskFullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Before anything starts a thread: the mount namespace is the process's own.
    const std::string why = disk_.Mount(dir_ / "data", kDiskBytes);
    if (!why.empty()) {
      GTEST_SKIP() << "SKIPPED: this machine lets the test make no small filesystem of its own, "
                      "so a full disk cannot be tested here: "
                   << why;
    }
    daemon_ = std::make_unique<Daemon>(dir_ / "data");
    daemon_->Ctl("token init-dev");
    ASSERT_TRUE(daemon_->Start()) << ReadWholeFile(daemon_->log_file());
  }

  // Writes a file into the data dir until the filesystem has no page left.
  void FillDisk() {
    int fd = open(filler_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ASSERT_GE(fd, 0) << std::strerror(errno);
    const std::string chunk(4096, 'f');
    ssize_t n;
    while ((n = write(fd, chunk.data(), chunk.size())) > 0) {
    }
    const int err = errno;
    close(fd);
    ASSERT_EQ(err, ENOSPC) << std::strerror(err);
  }
  void FreeDisk() { std::filesystem::remove(filler_); }

  // Checks `sub` in with offers granted; returns the visit token.
  std::string CheckIn(const std::string& sub) {
    auto r = daemon_->Request(
        "POST", "/v1/checkins",
        R"({"presence_code":")" + daemon_->PresenceCode() + R"(","purposes":{"offers":true}})",
        daemon_->MintToken(sub));
    EXPECT_EQ(r.status, 201) << r.body;
    if (r.status != 201) return "";
    acknowledged_receipts_.push_back(Str(r.json().at("receipt").at("id")));
    granted_["offers"] = true;
    return Str(r.json().at("visit_token"));
  }

  HttpResult SetConsent(const std::string& visit_token, const std::string& purpose, bool granted) {
    auto r =
        daemon_->Request("PUT", "/v1/me/consents/" + purpose,
                         granted ? R"({"granted":true})" : R"({"granted":false})", visit_token);
    if (r.status == 200) {
      acknowledged_receipts_.push_back(Str(r.json().at("receipt").at("id")));
      granted_[purpose] = granted;
    }
    return r;
  }

  static void ExpectDiskFullProblem(const HttpResult& r, const std::string& what) {
    EXPECT_EQ(r.status, 503) << what << ": " << r.body;
    EXPECT_NE(r.headers.find("application/problem+json"), std::string::npos) << r.headers;
    EXPECT_NE(r.headers.find("Retry-After:"), std::string::npos) << r.headers;
    const auto body = r.json();
    ASSERT_TRUE(body.is_object()) << what << ": " << r.body;
    EXPECT_EQ(Str(body.at("type")), "urn:optin-edge:problem:disk-full") << r.body;
    EXPECT_EQ(body.at("status").as_int64(), 503);
    EXPECT_NE(Str(body.at("detail")).find("storage is full"), std::string::npos) << r.body;
    EXPECT_EQ(r.body.find("sqlite"), std::string::npos) << "no internals: " << r.body;
  }

  // Every acknowledged consent change is on disk and the file is sound; the shopper reads back
  // as acknowledged through the API.
  void ExpectNothingLostOrCorrupted(const std::string& visit_token) {
    {
      DbReader db(daemon_->db_file());
      EXPECT_EQ(db.IntegrityCheck(), "ok");
      for (const auto& id : acknowledged_receipts_) {
        EXPECT_EQ(db.Int("SELECT count(*) FROM receipts WHERE id = ?", {id}), 1)
            << "acknowledged receipt " << id << " is missing";
      }
    }
    auto me = daemon_->Request("GET", "/v1/me", "", visit_token);
    ASSERT_EQ(me.status, 200) << me.body;
    const boost::json::value body = me.json();
    std::map<std::string, std::string> states;
    for (const auto& p : body.at("purposes").as_array()) {
      states[Str(p.at("purpose"))] = Str(p.at("state"));
    }
    for (const auto& [purpose, granted] : granted_) {
      EXPECT_EQ(states[purpose], granted ? "granted" : "withdrawn") << purpose;
    }
  }

  TempDir dir_;
  SmallFilesystem disk_;  // unmounted after the daemon is gone, before dir_ is removed
  std::unique_ptr<Daemon> daemon_;
  std::filesystem::path filler_ = dir_ / "data" / "filler";
  std::vector<std::string> acknowledged_receipts_;
  std::map<std::string, bool> granted_;  // purpose -> last acknowledged decision
};

TEST_F(DiskFullTest, WritesAreRefusedReadsGoOnAndWritesResumeWhenSpaceReturns) {
  const std::string visit = CheckIn("full-disk-1");
  ASSERT_EQ(SetConsent(visit, "history", true).status, 200);
  const std::string later_token = daemon_->MintToken("full-disk-2");
  const std::string code = daemon_->PresenceCode();

  FillDisk();
  // Space the write-ahead log already holds may take a write or two; then refusals.
  HttpResult refused;
  bool granted = false;
  for (int i = 0; i < 20 && refused.status == 0; ++i) {
    auto r = SetConsent(visit, "offers", granted);
    if (r.status == 200) {
      granted = !granted;
      continue;
    }
    refused = r;
  }
  ExpectDiskFullProblem(refused, "a consent change on a full disk");
  ExpectDiskFullProblem(SetConsent(visit, "assistance", true), "another consent change");
  ExpectDiskFullProblem(
      daemon_->Request("POST", "/v1/checkins",
                       R"({"presence_code":")" + code + R"(","purposes":{"offers":true}})",
                       later_token),
      "a check-in on a full disk");

  // Not ready for writes, and says why; reads go on.
  auto ready = daemon_->Request("GET", "/readyz");
  EXPECT_EQ(ready.status, 503) << ready.body;
  if (ready.json().is_object()) {
    EXPECT_FALSE(ready.json().at("checks").at("database_writable").as_bool()) << ready.body;
  }
  EXPECT_EQ(daemon_->Request("GET", "/v1/store").status, 200);
  EXPECT_EQ(daemon_->Request("GET", "/healthz").status, 200);
  auto receipts = daemon_->Request("GET", "/v1/me/receipts", "", visit);
  ASSERT_EQ(receipts.status, 200) << receipts.body;
  EXPECT_EQ(receipts.json().at("receipts").as_array().size(), acknowledged_receipts_.size());
  ExpectNothingLostOrCorrupted(visit);

  // Space returns: writes succeed again, same process.
  FreeDisk();
  EXPECT_EQ(daemon_->Request("GET", "/readyz").status, 200);
  EXPECT_EQ(SetConsent(visit, "assistance", true).status, 200);
  auto checked_in = daemon_->Request(
      "POST", "/v1/checkins", R"({"presence_code":")" + code + R"(","purposes":{"offers":true}})",
      later_token);
  EXPECT_EQ(checked_in.status, 201) << checked_in.body;
  ExpectNothingLostOrCorrupted(visit);

  EXPECT_EQ(daemon_->Stop(), 0) << "the daemon should have lived through the full disk";
  auto audit = daemon_->CtlResult("audit verify");
  EXPECT_EQ(audit.exit_code, 0) << audit.out;
}

TEST_F(DiskFullTest, DaemonRestartedOnAFullDiskServesReadsAndRefusesWrites) {
  const std::string visit = CheckIn("full-disk-restart");
  ASSERT_EQ(SetConsent(visit, "history", true).status, 200);
  FillDisk();
  daemon_->Kill();  // a power cut while the disk is full; the box boots again
  ASSERT_TRUE(daemon_->Start()) << ReadWholeFile(daemon_->log_file());

  ExpectNothingLostOrCorrupted(visit);
  HttpResult refused;
  for (int i = 0; i < 20 && refused.status == 0; ++i) {
    auto r = SetConsent(visit, "offers", i % 2 == 1);
    if (r.status != 200) refused = r;
  }
  ExpectDiskFullProblem(refused, "a consent change after a restart on a full disk");

  FreeDisk();
  EXPECT_EQ(SetConsent(visit, "offers", false).status, 200);
  ExpectNothingLostOrCorrupted(visit);
}

}  // namespace
}  // namespace optin::testing::disk_full_test
