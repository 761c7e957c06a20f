// HQ sync faults with real processes on loopback: optin-edged (provisioned for mutual TLS with a
// test CA made by the openssl CLI) uploading to HQ (optin-hq on SQLite, whose --client-ca
// is that CA). Cases: HQ down then up, HQ answering 500, HQ hanging (never answering, the
// connection left open), the daemon SIGKILLed mid-drain. In every case each batch the daemon
// released reaches HQ exactly once, or is still in the outbox.
//
// No test-only code in the daemon: batches come from its real catch-up. The periods are one
// minute (the configuration's minimum); before the first start the test records, in the
// daemon's database, that the last period was decided N minutes ago (as on a box that was off),
// so that the daemon releases N one-minute periods at start, one batch each. Every wait has a
// deadline; waiting polls the receiver's or the daemon's database state.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/integration/daemon_harness.h"

namespace optin::testing::sync_test {
namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

constexpr char kStore[] = "store-sync";

// Runs a shell command with a 30 s limit; fails the test if it fails.
std::string Sh(const std::string& cmd) {
  CommandResult r = RunCommand("timeout 30 " + cmd);
  EXPECT_EQ(r.exit_code, 0) << cmd << "\n" << r.out;
  return r.out;
}

// The optin-hq binary: built beside optinctl (tools/optin-hq in the same build tree).
fs::path ReceiverBinary() {
  return fs::path(OPTINCTL_PATH).parent_path().parent_path() / "optin-hq" / "optin-hq";
}

// A test HQ CA, the receiver's certificate for localhost, both made with the openssl CLI.
struct TestPki {
  fs::path ca_key, ca_cert, server_key, server_cert;
  explicit TestPki(const fs::path& dir) {
    ca_key = dir / "ca.key";
    ca_cert = dir / "ca.crt";
    server_key = dir / "hq.key";
    server_cert = dir / "hq.crt";
    Sh("openssl ecparam -name prime256v1 -genkey -noout -out " + ca_key.string());
    Sh("openssl req -x509 -new -key " + ca_key.string() +
       " -subj '/CN=Sync Test HQ CA' -days 30 -addext basicConstraints=critical,CA:TRUE "
       "-addext keyUsage=critical,keyCertSign,cRLSign -out " +
       ca_cert.string());
    Sh("openssl ecparam -name prime256v1 -genkey -noout -out " + server_key.string());
    const fs::path csr = dir / "hq.csr";
    Sh("openssl req -new -key " + server_key.string() + " -subj /CN=localhost -out " +
       csr.string());
    Sign(dir, csr, "serverAuth", "subjectAltName=DNS:localhost\n", server_cert);
  }
  void Sign(const fs::path& dir, const fs::path& csr, const std::string& usage,
            const std::string& extra, const fs::path& out) const {
    const fs::path ext = dir / (out.filename().string() + ".ext");
    std::ofstream(ext) << "basicConstraints=critical,CA:FALSE\n"
                          "keyUsage=critical,digitalSignature\nextendedKeyUsage="
                       << usage << "\n"
                       << extra;
    Sh("openssl x509 -req -in " + csr.string() + " -CA " + ca_cert.string() + " -CAkey " +
       ca_key.string() + " -CAcreateserial -days 30 -sha256 -extfile " + ext.string() + " -out " +
       out.string());
  }
};

// The reference HQ as a child process; its output goes to a log file.
class Receiver {
 public:
  Receiver(const TestPki& pki, fs::path dir) : pki_(pki), dir_(std::move(dir)) {}
  ~Receiver() { Kill(); }

  // Starts on `port` (0: any) and waits (20 s) for "optin-hq listening on PORT" (the stores'
  // listener; the people's listener on any free port).
  bool Start(uint16_t port, int fail_first = 0, int hang_first = 0) {
    const fs::path log = dir_ / "optin-hq.log";
    const size_t offset = fs::exists(log) ? fs::file_size(log) : 0;
    pid_ = fork();
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
      std::vector<std::string> args = {ReceiverBinary().string(),
                                       "--listen",
                                       "127.0.0.1:" + std::to_string(port),
                                       "--web-listen",
                                       "127.0.0.1:0",
                                       "--cert",
                                       pki_.server_cert.string(),
                                       "--key",
                                       pki_.server_key.string(),
                                       "--client-ca",
                                       pki_.ca_cert.string(),
                                       "--db",
                                       "sqlite:" + (dir_ / "hq.db").string(),
                                       "--fail-first",
                                       std::to_string(fail_first),
                                       "--hang-first",
                                       std::to_string(hang_first)};
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    const auto deadline = SteadyClock::now() + std::chrono::seconds(20);
    const std::string marker = "optin-hq listening on ";
    while (SteadyClock::now() < deadline) {
      const std::string out = ReadWholeFile(log).substr(offset);
      if (size_t at = out.find(marker); at != std::string::npos) {
        port_ = static_cast<uint16_t>(std::stoi(out.substr(at + marker.size())));
        return true;
      }
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      poll(nullptr, 0, 20);  // waiting for the child's line
    }
    return false;
  }
  // SIGTERM, then waits (20 s) for the receiver to finish; false (and SIGKILL) if it did not.
  bool Stop() {
    if (pid_ <= 0) return true;
    kill(pid_, SIGTERM);
    const auto deadline = SteadyClock::now() + std::chrono::seconds(20);
    while (SteadyClock::now() < deadline) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return true;
      }
      poll(nullptr, 0, 20);  // waiting for the child to exit
    }
    Kill();
    return false;
  }
  void Kill() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  uint16_t port() const { return port_; }
  std::string Log() const { return ReadWholeFile(dir_ / "optin-hq.log"); }

  // period_start -> how many times HQ stored it (GET /batches, with the device's client cert).
  std::map<int64_t, int> Stored(const fs::path& data_dir) const {
    CommandResult r =
        RunCommand("timeout 30 curl -sS --max-time 10 --cacert " + pki_.ca_cert.string() +
                   " --cert " + (data_dir / "tls" / "device.crt").string() + " --key " +
                   (data_dir / "tls" / "device.key").string() + " 'https://localhost:" +
                   std::to_string(port_) + "/batches?store=" + kStore + "'");
    std::map<int64_t, int> out;
    boost::system::error_code ec;
    auto v = boost::json::parse(r.out, ec);
    if (ec || !v.is_object() || !v.as_object().contains("batches")) return out;
    for (const auto& b : v.as_object().at("batches").as_array()) {
      ++out[b.as_object().at("period_start").as_int64()];
    }
    return out;
  }

 private:
  const TestPki& pki_;
  fs::path dir_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

class SyncFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists(ReceiverBinary()))
        << ReceiverBinary() << " is missing: build the optin-hq target";
    pki_ = std::make_unique<TestPki>(dir_.path());
    receiver_ = std::make_unique<Receiver>(*pki_, dir_.path());
    data_ = dir_ / "data";
    fs::create_directories(data_);
  }

  // Provisions the data dir with the test CA (optinctl provision request, openssl signs,
  // optinctl provision install), writes the config for an HQ on `hq_port`, creates the database
  // and records that the last period was decided `periods` minutes ago.
  void Prepare(uint16_t hq_port, int periods, int batches_per_request, int timeout_seconds = 5,
               const std::string& more_sync = "") {
    Daemon ctl(data_);
    ctl.Ctl(std::string("provision request --store-id ") + kStore + " --host-name localhost");
    const fs::path cert = dir_ / "device.crt";
    pki_->Sign(dir_.path(), data_ / "tls" / "device.csr", "serverAuth,clientAuth",
               "subjectAltName=DNS:localhost\n", cert);
    ctl.Ctl("provision install --cert " + cert.string() + " --ca " + pki_->ca_cert.string());
    config_ = dir_ / "sync.toml";
    std::ofstream(config_) << "[listen]\nplain_http = true\n[admin]\nport = 0\n[store]\nid = \""
                           << kStore << "\"\n[sync]\nhq_url = \"https://localhost:" << hq_port
                           << "/v1/batches\"\nperiod_minutes = 1\nmax_catch_up_periods = 1000\n"
                           << "batches_per_request = " << batches_per_request
                           << "\nbackoff_initial_seconds = 1\nbackoff_max_seconds = 1\n"
                           << "timeout_seconds = " << timeout_seconds << "\n"
                           << more_sync;
    ctl.Ctl("staff list --config " + config_.string());  // creates the database
    const int64_t end = NowUnix() / 60 * 60 - periods * 60;
    Sql("INSERT INTO sync_periods(period_start, period_end, day, outcome, epsilon_micros, "
        "decided_at) VALUES (" +
        std::to_string(end - 60) + ", " + std::to_string(end) + ", " +
        std::to_string((end - 60) / 86'400) + ", 'skipped', 0, " + std::to_string(end) + ")");
    daemon_ =
        std::make_unique<Daemon>(data_, std::vector<std::string>{"--config", config_.string()});
  }

  std::string Sql(const std::string& sql) {
    std::string out = Sh("sqlite3 " + (data_ / "optin-edge.db").string() + " \"" + sql + "\"");
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }
  int64_t SqlInt(const std::string& sql) {
    const std::string out = Sql(sql);
    return out.empty() ? -1 : std::stoll(out);
  }
  std::set<int64_t> Column(const std::string& sql) {
    std::set<int64_t> out;
    std::stringstream ss(Sql(sql));
    for (std::string line; std::getline(ss, line);) {
      if (!line.empty()) out.insert(std::stoll(line));
    }
    return out;
  }
  std::set<int64_t> Released() {
    return Column("SELECT period_start FROM sync_periods WHERE outcome = 'released'");
  }
  std::set<int64_t> InOutbox() { return Column("SELECT period_start FROM sync_outbox"); }

  // Waits (60 s) until HQ holds every batch released so far and the outbox is empty.
  bool WaitDelivered() {
    const auto deadline = SteadyClock::now() + std::chrono::seconds(60);
    while (SteadyClock::now() < deadline) {
      if (InOutbox().empty()) {
        auto stored = receiver_->Stored(data_);
        bool all = true;
        for (int64_t p : Released()) all = all && stored.contains(p);
        if (all) return true;
      }
      poll(nullptr, 0, 50);  // the uploader works; look again
    }
    return false;
  }

  // After the daemon stopped: every released batch is at HQ exactly once or still in the
  // outbox, and HQ has nothing else.
  void ExpectEachBatchOnce(size_t at_least) {
    const auto released = Released();
    const auto pending = InOutbox();
    const auto stored = receiver_->Stored(data_);
    EXPECT_GE(released.size(), at_least);
    for (int64_t p : released) {
      const int n = stored.contains(p) ? stored.at(p) : 0;
      EXPECT_EQ(n + static_cast<int>(pending.count(p)), 1) << "period " << p;
    }
    for (const auto& [p, n] : stored) {
      EXPECT_TRUE(released.contains(p)) << "HQ holds period " << p << " the daemon never released";
      EXPECT_EQ(n, 1) << "period " << p;
    }
  }

  static int64_t NowUnix() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  // Waits (30 s) until the daemon has decided every period up to the last minute's end and the
  // clock has passed the end of the last period decided (periods are whole seconds, so a
  // release in that second would be empty); returns the time then (Unix seconds), or -1.
  int64_t WaitPastTheLastDecidedPeriod() {
    const auto deadline = SteadyClock::now() + std::chrono::seconds(30);
    while (SteadyClock::now() < deadline) {
      const int64_t now = NowUnix();
      const int64_t decided_until = SqlInt("SELECT max(period_end) FROM sync_periods");
      if (decided_until >= now / 60 * 60 && now > decided_until) return now;
      poll(nullptr, 0, 50);  // the daemon's writer decides the period, the clock moves on
    }
    return -1;
  }

  std::string Logs() { return ReadWholeFile(daemon_->log_file()) + "\n" + receiver_->Log(); }

  TempDir dir_;
  fs::path data_, config_;
  std::unique_ptr<TestPki> pki_;
  std::unique_ptr<Receiver> receiver_;
  std::unique_ptr<Daemon> daemon_;
};

TEST_F(SyncFaultTest, HqDownThenUpGetsEachBatchOnce) {
  // A free port for HQ: the receiver picks one, then goes away.
  ASSERT_TRUE(receiver_->Start(0)) << receiver_->Log();
  const uint16_t port = receiver_->port();
  receiver_->Stop();
  Prepare(port, 5, 2);
  ASSERT_TRUE(daemon_->Start()) << Logs();
  // Released at start; uploads fail while HQ is down.
  const auto deadline = SteadyClock::now() + std::chrono::seconds(30);
  while (ReadWholeFile(daemon_->log_file()).find("hq.upload_failed") == std::string::npos &&
         SteadyClock::now() < deadline) {
    poll(nullptr, 0, 50);
  }
  ASSERT_NE(ReadWholeFile(daemon_->log_file()).find("hq.upload_failed"), std::string::npos)
      << Logs();
  EXPECT_GE(InOutbox().size(), 5u);

  ASSERT_TRUE(receiver_->Start(port)) << receiver_->Log();
  ASSERT_TRUE(WaitDelivered()) << Logs();
  EXPECT_EQ(daemon_->Stop(), 0);
  ExpectEachBatchOnce(5);
}

TEST_F(SyncFaultTest, Hq500IsRetriedAndDeliveredLater) {
  ASSERT_TRUE(receiver_->Start(0, /*fail_first=*/3)) << receiver_->Log();
  Prepare(receiver_->port(), 4, 1);
  ASSERT_TRUE(daemon_->Start()) << Logs();
  ASSERT_TRUE(WaitDelivered()) << Logs();
  EXPECT_EQ(daemon_->Stop(), 0);
  receiver_->Stop();
  EXPECT_NE(receiver_->Log().find("\"failed_on_purpose\":3"), std::string::npos) << Logs();
  EXPECT_NE(ReadWholeFile(daemon_->log_file()).find("hq.upload_failed"), std::string::npos);
  ASSERT_TRUE(receiver_->Start(0));
  ExpectEachBatchOnce(4);
}

TEST_F(SyncFaultTest, HangingHqTimesOutAndIsRetriedWithEachBatchOnce) {
  ASSERT_TRUE(receiver_->Start(0, /*fail_first=*/0, /*hang_first=*/2)) << receiver_->Log();
  Prepare(receiver_->port(), 3, 1, /*timeout_seconds=*/1);
  ASSERT_TRUE(daemon_->Start()) << Logs();
  ASSERT_TRUE(WaitDelivered()) << Logs();
  EXPECT_EQ(daemon_->Stop(), 0);
  // The hung uploads ended in the daemon's read timeout, not in an answer.
  const std::string daemon_log = ReadWholeFile(daemon_->log_file());
  EXPECT_NE(daemon_log.find("hq.upload_failed"), std::string::npos) << Logs();
  EXPECT_NE(daemon_log.find("timed out after 1000 ms"), std::string::npos) << Logs();
  EXPECT_NE(daemon_log.find("\"maybe_sent\":true"), std::string::npos) << Logs();
  EXPECT_TRUE(receiver_->Stop()) << "the held requests kept the receiver from stopping";
  EXPECT_NE(receiver_->Log().find("\"hung_on_purpose\":2"), std::string::npos) << Logs();
  ASSERT_TRUE(receiver_->Start(0));
  ExpectEachBatchOnce(3);
}

TEST_F(SyncFaultTest, DaemonKilledMidDrainLosesNoBatchAndSendsNoneTwice) {
  ASSERT_TRUE(receiver_->Start(0)) << receiver_->Log();
  constexpr int kPeriods = 150;
  Prepare(receiver_->port(), kPeriods, 1);  // one batch per request: a long drain
  ASSERT_TRUE(daemon_->Start()) << Logs();
  // Kill as soon as the drain has begun: the outbox has shrunk but is not empty.
  const auto deadline = SteadyClock::now() + std::chrono::seconds(60);
  int64_t left = -1;
  while (SteadyClock::now() < deadline) {
    // Released first: once the release committed, a smaller outbox means batches were acked.
    const int64_t released = SqlInt("SELECT count(*) FROM sync_periods WHERE outcome='released'");
    left = SqlInt("SELECT count(*) FROM sync_outbox");
    if (released >= kPeriods && left < released) break;
    poll(nullptr, 0, 5);
  }
  daemon_->Kill();
  const size_t pending_at_kill = InOutbox().size();
  EXPECT_GT(pending_at_kill, 0u) << "the drain finished before the kill";
  EXPECT_GT(receiver_->Stored(data_).size(), 0u);

  ASSERT_TRUE(daemon_->Start()) << Logs();
  ASSERT_TRUE(WaitDelivered()) << Logs();
  EXPECT_EQ(daemon_->Stop(), 0);
  ExpectEachBatchOnce(kPeriods);
}

// Trying HQ without waiting: `optinctl sync release-now` is refused unless the configuration
// allows manual releases; allowed, the daemon's writer releases the current period up to now,
// which spends budget like any release and says so, and HQ logs the batch; `sync status` tells
// the periods released, the budget spent today, the outbox depth and the last upload.
TEST_F(SyncFaultTest, ReleaseNowAndStatusThroughOptinctl) {
  ASSERT_TRUE(receiver_->Start(0)) << receiver_->Log();
  Prepare(receiver_->port(), 2, 10, 5, "epsilon_per_day = \"2.0\"\n");
  ASSERT_TRUE(daemon_->Start()) << Logs();
  ASSERT_TRUE(WaitDelivered()) << Logs();
  const std::string port = " --admin-port " + std::to_string(daemon_->admin_port());
  const std::string config = " --config " + config_.string();
  auto refused = daemon_->CtlResult(config + " sync release-now" + port);
  EXPECT_EQ(refused.exit_code, 1) << refused.out;
  EXPECT_NE(refused.out.find("sync.allow_manual_release = true"), std::string::npos) << refused.out;
  EXPECT_EQ(daemon_->Stop(), 0);

  std::ofstream(config_, std::ios::app) << "allow_manual_release = true\n";
  ASSERT_TRUE(daemon_->Start()) << Logs();
  const std::string port2 = " --admin-port " + std::to_string(daemon_->admin_port());
  // The daemon also releases on its own at each minute's end. An attempt that began in a
  // minute's first second (when "now" is the period just closed) or ran into the next minute
  // met one of those releases and is made again; each attempt starts once the daemon has
  // decided the minute that closed last, in a later second than the last release.
  bool clean = false;
  for (int attempt = 0; attempt < 5 && !clean; ++attempt) {
    ASSERT_TRUE(WaitDelivered()) << Logs();
    const int64_t t0 = WaitPastTheLastDecidedPeriod();
    ASSERT_GT(t0, 0) << "the daemon did not decide the minute that closed" << Logs();
    const size_t before = Released().size();
    auto released = daemon_->CtlResult(config + " sync release-now" + port2);
    const bool delivered = WaitDelivered();
    auto status = daemon_->CtlResult(config + " sync status --json" + port2);
    auto text = daemon_->CtlResult(config + " sync status" + port2);
    const std::set<int64_t> released_after = Released();
    if (t0 % 60 == 0 || NowUnix() / 60 != t0 / 60) continue;
    clean = true;

    ASSERT_EQ(released.exit_code, 0) << released.out << Logs();
    EXPECT_NE(released.out.find("(manual)"), std::string::npos) << released.out;
    EXPECT_NE(released.out.find("spent epsilon"), std::string::npos) << released.out;
    EXPECT_NE(released.out.find("of today's budget"), std::string::npos) << released.out;
    EXPECT_GT(released_after.size(), before);
    ASSERT_TRUE(delivered) << Logs();

    ASSERT_EQ(status.exit_code, 0) << status.out;
    boost::system::error_code ec;
    auto v = boost::json::parse(status.out, ec);
    ASSERT_FALSE(ec) << status.out;
    EXPECT_EQ(v.at("periods_released").as_int64(), static_cast<int64_t>(released_after.size()));
    EXPECT_GT(v.at("budget").at("epsilon_spent_today_micros").as_int64(), 0);
    EXPECT_EQ(v.at("budget").at("epsilon_per_day_micros").as_int64(), 2'000'000);
    EXPECT_EQ(v.at("outbox").at("pending").as_int64(), 0);
    EXPECT_GT(v.at("upload").at("last_delivered_at").as_int64(), 0);
    ASSERT_EQ(text.exit_code, 0) << text.out;
    EXPECT_NE(text.out.find("budget spent today"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("outbox: 0 pending"), std::string::npos) << text.out;
  }
  ASSERT_TRUE(clean) << "every attempt met the end of a minute";
  EXPECT_EQ(daemon_->Stop(), 0);
  receiver_->Stop();
  EXPECT_NE(receiver_->Log().find("\"verdict\":\"stored\""), std::string::npos) << Logs();
}

}  // namespace
}  // namespace optin::testing::sync_test
