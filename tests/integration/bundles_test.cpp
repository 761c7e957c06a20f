// Bundles from HQ end to end (issue 15 part 5): the real daemon, provisioned with a test CA,
// fetches its offer catalog and notice from the real optin-hq over mutual TLS (its sync channel)
// after HQ's `optin-hq publish`. Proved: a new version is applied (saved as the box's bundle
// file) and reported in the next batch (HQ stores which store runs which version); a restart
// asks with the ETag in force and gets 304; a rollback (an older catalog, validly signed), a
// bundle for another store and one with a bad signature are refused by the box and change
// nothing (the last two are written into HQ's database directly, as a faulty HQ would serve
// them: optin-hq publish refuses them itself). Waits poll logs and databases with deadlines.
#include <gtest/gtest.h>
#include <poll.h>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>

#include "platform/crypto.h"
#include "platform/encoding.h"
#include "platform/random.h"
#include "platform/x509.h"
#include "privacy/jws.h"
#include "tests/integration/daemon_harness.h"
#include "tests/support/ca/test_ca.h"
#include "tests/unit/notices/notice_test_data.h"

namespace optin::testing::bundles_test {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using SteadyClock = std::chrono::steady_clock;

constexpr char kStore[] = "store-b1";

fs::path HqBinary() {
  return fs::path(OPTINCTL_PATH).parent_path().parent_path() / "optin-hq" / "optin-hq";
}

std::string Sh(const std::string& cmd) {
  CommandResult r = RunCommand("timeout 30 " + cmd);
  EXPECT_EQ(r.exit_code, 0) << cmd << "\n" << r.out;
  return r.out;
}

// Polls `ready` every 50 ms for at most 30 s.
bool WaitFor(const std::function<bool()>& ready) {
  const auto deadline = SteadyClock::now() + std::chrono::seconds(30);
  while (SteadyClock::now() < deadline) {
    if (ready()) return true;
    poll(nullptr, 0, 50);  // the daemon or HQ works; look again
  }
  return ready();
}

class BundlesEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists(HqBinary())) << HqBinary() << " is missing: build the optin-hq target";
    now_ = std::time(nullptr);
    // HQ's CA and its certificate for localhost.
    ca_key_ = std::make_unique<platform::EcdsaPrivateKey>(
        platform::EcdsaPrivateKey::Generate(random_).value());
    ca_pem_ = testing::CreateCertificateAuthority(*ca_key_, random_, "Bundles Test HQ CA",
                                                  now_ - 3600, now_ + 86'400)
                  .value();
    auto hq_key = platform::EcdsaPrivateKey::Generate(random_).value();
    auto csr =
        platform::CreateCertificateSigningRequest(hq_key, random_, "localhost", {"localhost"})
            .value();
    Write(dir_ / "ca.pem", ca_pem_);
    Write(dir_ / "hq.pem", Issue(csr));
    Write(dir_ / "hq.key", hq_key.ToPem().value());
    Write(dir_ / "stores.toml", std::string("[[store]]\nid = \"") + kStore +
                                    "\"\nname = \"Bundles\"\nregion = \"north\"\ncountry = "
                                    "\"IT\"\nopened = 2024-03-01\n");
    db_ = dir_ / "hq.db";

    // The box: the development HQ key signs its bundles; provisioned by the test CA.
    data_ = dir_ / "data";
    fs::create_directories(data_);
    Daemon ctl(data_);
    ctl.Ctl("token init-dev");
    ctl.Ctl(std::string("provision request --store-id ") + kStore + " --host-name localhost");
    const std::string device_csr = ReadWholeFile(data_ / "tls" / "device.csr");
    Write(dir_ / "device.crt", Issue(device_csr));
    ctl.Ctl("provision install --cert " + (dir_ / "device.crt").string() + " --ca " +
            (dir_ / "ca.pem").string());
    signing_key_ = dir_ / "data" / "keys" / "dev-hq-token.pem";
    box_key_ = std::make_unique<platform::EcdsaPrivateKey>(
        platform::EcdsaPrivateKey::FromPem(ReadWholeFile(signing_key_)).value());
    StartHq();
    config_ = dir_ / "box.toml";
    std::ofstream(config_) << "[listen]\nplain_http = true\n[admin]\nport = 0\n[store]\nid = \""
                           << kStore << "\"\n[sync]\nhq_url = \"https://localhost:" << hq_port_
                           << "/v1/batches\"\nperiod_minutes = 1\nallow_manual_release = true\n"
                           << "backoff_initial_seconds = 1\nbackoff_max_seconds = 1\n"
                           << "[offers]\nsource = \"hq-bundle\"\n[notices]\nsource = "
                              "\"hq-bundle\"\n";
    daemon_ = std::make_unique<Daemon>(data_, std::vector<std::string>{"--config", config_});
  }

  void TearDown() override {
    if (daemon_) daemon_->Stop();
    if (hq_pid_ > 0) {
      kill(hq_pid_, SIGTERM);
      waitpid(hq_pid_, nullptr, 0);
    }
  }

  static void Write(const fs::path& p, const std::string& text) {
    std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
  }
  std::string Issue(const std::string& csr) {
    return testing::SignCertificateRequest(*ca_key_, ca_pem_, csr, random_, now_ - 3600,
                                           now_ + 86'400, true)
        .value();
  }

  void StartHq() {
    const fs::path log = dir_ / "hq.log";
    hq_pid_ = fork();
    if (hq_pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
      std::vector<std::string> args = {HqBinary().string(),
                                       "serve",
                                       "--listen",
                                       "127.0.0.1:0",
                                       "--web-listen",
                                       "127.0.0.1:0",
                                       "--cert",
                                       (dir_ / "hq.pem").string(),
                                       "--key",
                                       (dir_ / "hq.key").string(),
                                       "--client-ca",
                                       (dir_ / "ca.pem").string(),
                                       "--stores",
                                       (dir_ / "stores.toml").string(),
                                       "--db",
                                       "sqlite:" + db_.string()};
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    const std::string marker = "optin-hq listening on ";
    ASSERT_TRUE(WaitFor([&] { return HqLog().find(marker) != std::string::npos; })) << HqLog();
    hq_port_ =
        static_cast<uint16_t>(std::stoi(HqLog().substr(HqLog().find(marker) + marker.size())));
  }
  std::string HqLog() const { return ReadWholeFile(dir_ / "hq.log"); }
  std::string BoxLog() const { return ReadWholeFile(daemon_->log_file()); }
  std::string Logs() const { return BoxLog() + "\n--- HQ ---\n" + HqLog(); }

  // A catalog bundle signed for `store` (default: this box; empty: any store) with `key`
  // (default: HQ's).
  std::string Catalog(const std::string& version, int64_t issued_at,
                      const std::string& store = kStore,
                      const platform::EcdsaPrivateKey* key = nullptr) {
    json::object p{{"version", version},
                   {"offers", json::array{}},
                   {"issued_at", issued_at},
                   {"expires_at", now_ + 86'400}};
    if (!store.empty()) p["store_id"] = store;  // none: for any store (a region's)
    const auto& k = key ? *key : *box_key_;
    return privacy::SignJws(k, random_, k.PublicKey().KeyId(), "optin-catalog+jws", p).value();
  }
  std::string Notice(int64_t version) {
    json::object p = notices::testing::ValidNoticeJson(version);
    p["store_id"] = kStore;
    p["expires_at"] = now_ + 86'400;
    return privacy::SignJws(*box_key_, random_, box_key_->PublicKey().KeyId(), "optin-notice+jws",
                            p)
        .value();
  }

  // `optin-hq publish`; its exit status and output.
  CommandResult Publish(const std::string& kind, const std::string& target_flag,
                        const std::string& target, const std::string& jws) {
    const fs::path file = dir_ / ("publish-" + std::to_string(++published_) + ".jws");
    Write(file, jws);
    return RunCommand("timeout 30 " + HqBinary().string() + " publish --db sqlite:" + db_.string() +
                      " --hq-key " + signing_key_.string() + " --kind " + kind + " " + target_flag +
                      " " + target + " " + file.string());
  }
  // What a faulty HQ would serve: written into its database without publish's checks.
  void Inject(const std::string& jws, int64_t sequence) {
    const std::string etag = "\"" + platform::HexEncode(platform::Sha256(jws)) + "\"";
    const fs::path sql = dir_ / "inject.sql";
    Write(sql,
          "INSERT INTO hq_bundles (kind, target_type, target, sequence, version, issued_at, "
          "expires_at, etag, jws, published_at) VALUES ('catalog', 'store', '" +
              std::string(kStore) + "', " + std::to_string(sequence) + ", 'injected', " +
              std::to_string(sequence) + ", " + std::to_string(now_ + 86'400) + ", '" + etag +
              "', '" + jws + "', " + std::to_string(now_) + ");\n");
    Sh("sqlite3 " + db_.string() + " < " + sql.string());
  }
  // HQ's record of what the box runs: "version|etag", or empty.
  std::string Reported(const std::string& kind) {
    CommandResult r = RunCommand("sqlite3 " + db_.string() +
                                 " \"SELECT version || '|' || etag FROM hq_store_bundles WHERE "
                                 "store_id = '" +
                                 kStore + "' AND kind = '" + kind + "'\"");
    std::string out = r.out;
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }
  // The daemon's sync status (GET /v1/admin/sync/status through optinctl).
  json::object Status() {
    CommandResult r = daemon_->CtlResult("sync status --json --admin-port " +
                                         std::to_string(daemon_->admin_port()));
    boost::system::error_code ec;
    auto v = json::parse(r.out, ec);
    return !ec && v.is_object() ? v.as_object() : json::object{};
  }
  std::string LastOutcome(const std::string& kind) {
    const json::object s = Status();
    const auto* b = s.if_contains("bundles");
    if (!b || !b->is_object() || !b->as_object().contains(kind)) return {};
    const auto& k = b->as_object().at(kind).as_object();
    const auto* o = k.if_contains("last_outcome");
    return o && o->is_string() ? std::string(o->as_string()) : std::string();
  }
  std::string BundleFile() const { return ReadWholeFile(data_ / "offers.jws"); }
  size_t Count(const std::string& text, const std::string& what) const {
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  }
  // Restarts the box (a fetch round runs at start) and waits for the round's catalog outcome.
  std::string RestartAndFetch() {
    EXPECT_EQ(daemon_->Stop(), 0);
    EXPECT_TRUE(daemon_->Start()) << BoxLog();
    std::string outcome;
    EXPECT_TRUE(WaitFor([&] { return !(outcome = LastOutcome("catalog")).empty(); })) << Logs();
    return outcome;
  }

  TempDir dir_;
  platform::SeededRandom random_{77};
  int64_t now_ = 0;
  std::unique_ptr<platform::EcdsaPrivateKey> ca_key_, box_key_;
  std::string ca_pem_;
  fs::path data_, db_, config_, signing_key_;
  pid_t hq_pid_ = -1;
  uint16_t hq_port_ = 0;
  int published_ = 0;
  std::unique_ptr<Daemon> daemon_;
};

TEST_F(BundlesEndToEndTest, ANewVersionIsAppliedReportedAndThenAnswered304) {
  const std::string catalog = Catalog("hq-1", now_ - 60, "");
  CommandResult pub = Publish("catalog", "--region", "north", catalog);
  ASSERT_EQ(pub.exit_code, 0) << pub.out;
  EXPECT_NE(pub.out.find("published catalog version hq-1 for region north"), std::string::npos)
      << pub.out;
  ASSERT_EQ(Publish("notice", "--store", kStore, Notice(4)).exit_code, 0);

  ASSERT_TRUE(daemon_->Start()) << BoxLog();
  ASSERT_TRUE(WaitFor([&] { return LastOutcome("notice") == "applied"; })) << Logs();
  EXPECT_EQ(LastOutcome("catalog"), "applied") << Logs();
  EXPECT_EQ(BundleFile(), catalog);  // saved byte for byte as the box's bundle file
  EXPECT_NE(BoxLog().find("\"event\":\"offers.catalog_loaded\",\"version\":\"hq-1\""),
            std::string::npos)
      << BoxLog();
  auto notice = daemon_->Request("GET", "/v1/notices/current?lang=en");
  ASSERT_EQ(notice.status, 200) << notice.body;
  EXPECT_EQ(notice.json().as_object().at("version").as_int64(), 4);

  // The next batch reports both versions; HQ keeps which store runs which.
  // (Refused only while the last release ended this very second: asked again then.)
  ASSERT_TRUE(WaitFor([&] {
    return daemon_
               ->CtlResult("sync release-now --admin-port " + std::to_string(daemon_->admin_port()))
               .exit_code == 0;
  })) << Logs();
  const std::string etag = "\"" + platform::HexEncode(platform::Sha256(catalog)) + "\"";
  ASSERT_TRUE(WaitFor([&] { return Reported("catalog") == "hq-1|" + etag; }))
      << Reported("catalog") << "\n"
      << Logs();
  EXPECT_EQ(Reported("notice").substr(0, 2), "4|");

  // A restart asks with the ETag in force (from the saved file): 304, nothing changes.
  EXPECT_EQ(RestartAndFetch(), "not-modified") << Logs();
  EXPECT_NE(HqLog().find("\"status\":304"), std::string::npos) << HqLog();
  EXPECT_EQ(BundleFile(), catalog);
}

TEST_F(BundlesEndToEndTest,
       ARollbackAnotherStoresBundleAndABadSignatureAreRefusedAndChangeNothing) {
  const std::string v2 = Catalog("hq-2", now_ - 60, "");
  ASSERT_EQ(Publish("catalog", "--region", "north", v2).exit_code, 0);
  ASSERT_TRUE(daemon_->Start()) << BoxLog();
  ASSERT_TRUE(WaitFor([&] { return LastOutcome("catalog") == "applied"; })) << Logs();
  ASSERT_EQ(BundleFile(), v2);

  // HQ refuses a bundle for another store itself, naming why.
  CommandResult other = Publish("catalog", "--store", kStore, Catalog("x", now_, "store-zz"));
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_NE(other.out.find("refused (bundle-store)"), std::string::npos) << other.out;

  // Rollback: an older catalog, validly signed and unexpired, published for the store itself
  // (which wins over its region's).
  ASSERT_EQ(Publish("catalog", "--store", kStore, Catalog("hq-1", now_ - 3600)).exit_code, 0);
  EXPECT_EQ(RestartAndFetch(), "refused") << Logs();
  EXPECT_NE(BoxLog().find("\"event\":\"hq.bundle_refused\",\"kind\":\"catalog\",\"reason\":"
                          "\"bundle-rollback\""),
            std::string::npos)
      << BoxLog();
  EXPECT_EQ(BundleFile(), v2);

  // Another store's bundle, as a faulty HQ would serve it.
  Inject(Catalog("theirs", now_ - 30, "store-zz"), now_ - 30);
  EXPECT_EQ(RestartAndFetch(), "refused") << Logs();
  EXPECT_NE(BoxLog().find("\"reason\":\"bundle-store\""), std::string::npos) << BoxLog();
  EXPECT_EQ(BundleFile(), v2);

  // A signature by another key.
  auto stranger = platform::EcdsaPrivateKey::Generate(random_).value();
  Inject(Catalog("forged", now_ - 20, kStore, &stranger), now_ - 20);
  EXPECT_EQ(RestartAndFetch(), "refused") << Logs();
  EXPECT_NE(BoxLog().find("\"reason\":\"bundle-signature\""), std::string::npos) << BoxLog();
  EXPECT_EQ(BundleFile(), v2);
  // The catalog in force is still hq-2, and every refusal was logged without personal data.
  const std::string log = BoxLog();
  const size_t last = log.rfind("\"event\":\"offers.catalog_loaded\"");
  ASSERT_NE(last, std::string::npos);
  EXPECT_NE(log.find("\"version\":\"hq-2\"", last), std::string::npos);
  EXPECT_EQ(Count(log, "\"event\":\"hq.bundle_refused\""), 3u) << log;
}

}  // namespace
}  // namespace optin::testing::bundles_test
