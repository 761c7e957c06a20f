// The optin-hq program as a real process on loopback, for tests: a test CA, HQ's certificate for
// localhost, a client certificate per store (CN = store id, its own P-256 key), the program on
// either engine (HqStoreFixture: a SQLite file or the binary's real PostgreSQL 15), calls over
// real TLS to both listeners (the stores' with a store's certificate, the people's with none),
// signed format-2 batches with chosen cells, and accounts added through `optin-hq user add`.
// One test thread; not thread-safe.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <thread>

#include "net/event_loop.h"
#include "net/https_client.h"
#include "platform/clock.h"
#include "platform/crypto.h"
#include "platform/random.h"
#include "platform/x509.h"
#include "sync/batch.h"
#include "tests/support/ca/test_ca.h"
#include "tests/support/child_process.h"
#include "tests/support/domain_fixture.h"
#include "tests/tools/optin-hq/hq_store_fixture.h"
#include "tools/optin-hq/utc_day.h"

namespace optin::hq {

namespace json = boost::json;
using namespace std::chrono_literals;
using optin::testing::ValueOrDie;

// A long-running child whose output goes to a file and whose pid the test signals.
class ServerProcess {
 public:
  ServerProcess(const std::vector<std::string>& argv, const std::filesystem::path& log) {
    const pid_t parent = getpid();
    pid_ = fork();
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(127);
      const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
      std::vector<char*> args;
      for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
  }
  ~ServerProcess() { Kill(); }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  void Signal(int sig) const {
    if (pid_ > 0) kill(pid_, sig);
  }
  // Waits for the exit (polling); its status, or -1 (and SIGKILL) past the deadline.
  int Wait(std::chrono::milliseconds deadline) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (pid_ > 0 && std::chrono::steady_clock::now() < until) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      poll(nullptr, 0, 20);  // waiting for the child to exit
    }
    Kill();
    return -1;
  }
  bool Exited() {
    int status = 0;
    if (pid_ > 0 && waitpid(pid_, &status, WNOHANG) == pid_) pid_ = -1;
    return pid_ <= 0;
  }
  void Kill() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
};

inline std::string ReadText(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline void WriteText(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

// metric -> label -> (noisy value, its variance)
using TestCells = std::map<std::string, std::map<std::string, std::pair<int64_t, double>>>;

class HqProcessFixture : public HqStoreFixture {
 protected:
  struct StoreIdentity {
    std::unique_ptr<platform::EcdsaPrivateKey> owned;
    const platform::EcdsaPrivateKey* key = nullptr;
    std::shared_ptr<const net::TlsClientConfig> tls;
  };

  HqProcessFixture()
      : random_(4242),
        ca_key_(ValueOrDie(platform::EcdsaPrivateKey::Generate(random_), "ca key")),
        server_key_(ValueOrDie(platform::EcdsaPrivateKey::Generate(random_), "server key")) {
    now_ = platform::SystemClock::Instance().NowUnix();
    ca_pem_ = ValueOrDie(optin::testing::CreateCertificateAuthority(
                             ca_key_, random_, "Test HQ CA", now_ - 3600, now_ + 86'400 * 30),
                         "ca");
    auto csr = ValueOrDie(
        platform::CreateCertificateSigningRequest(server_key_, random_, "localhost", {"localhost"}),
        "server csr");
    const std::string server_pem =
        ValueOrDie(optin::testing::SignCertificateRequest(ca_key_, ca_pem_, csr, random_,
                                                          now_ - 3600, now_ + 86'400 * 30, true),
                   "server cert");
    WriteText(dir_ / "ca.pem", ca_pem_);
    WriteText(dir_ / "server.pem", server_pem);
    WriteText(dir_ / "server.key", ValueOrDie(server_key_.ToPem(), "pem"));
    net::TlsClientSettings people;
    people.ca_bundle_pem = ca_pem_;
    people_tls_ = ValueOrDie(net::TlsClientConfig::Create(people, random_), "people tls");
    loop_thread_ = std::thread([this] { loop_.Run(1); });
  }
  ~HqProcessFixture() override {
    hq_.reset();
    loop_.Stop();
    loop_thread_.join();
  }

  // A store's key and client certificate (CN = id), made once per id (with `key`, that key: a
  // box's own).
  StoreIdentity& Store(const std::string& id, const platform::EcdsaPrivateKey* key = nullptr) {
    auto it = stores_.find(id);
    if (it != stores_.end()) return it->second;
    StoreIdentity s;
    if (key == nullptr) {
      s.owned = std::make_unique<platform::EcdsaPrivateKey>(
          ValueOrDie(platform::EcdsaPrivateKey::Generate(random_), "store key"));
      key = s.owned.get();
    }
    s.key = key;
    auto csr =
        ValueOrDie(platform::CreateCertificateSigningRequest(*s.key, random_, id, {}), "csr");
    const std::string cert =
        ValueOrDie(optin::testing::SignCertificateRequest(ca_key_, ca_pem_, csr, random_,
                                                          now_ - 3600, now_ + 86'400 * 30, true),
                   "client cert");
    net::TlsClientSettings t;
    t.ca_bundle_pem = ca_pem_;
    t.cert_chain_pem = cert;
    t.key_pem = ValueOrDie(s.key->ToPem(), "key pem");
    s.tls = ValueOrDie(net::TlsClientConfig::Create(t, random_), "client tls");
    return stores_.emplace(id, std::move(s)).first->second;
  }

  // Starts optin-hq on free ports with `extra` flags; waits (20 s) for both listening lines.
  bool StartHq(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {OPTIN_HQ_PATH,  "serve",
                                     "--listen",     "127.0.0.1:" + std::to_string(port_),
                                     "--web-listen", "127.0.0.1:0",
                                     "--cert",       (dir_ / "server.pem").string(),
                                     "--key",        (dir_ / "server.key").string(),
                                     "--client-ca",  (dir_ / "ca.pem").string(),
                                     "--db",         url_};
    args.insert(args.end(), extra.begin(), extra.end());
    ++starts_;
    log_ = dir_ / ("hq-" + std::to_string(starts_) + ".log");
    hq_ = std::make_unique<ServerProcess>(args, log_);
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    const std::string stores_marker = "optin-hq listening on ";
    const std::string web_marker = "optin-hq web listening on ";
    while (std::chrono::steady_clock::now() < deadline) {
      const std::string out = ReadText(log_);
      const size_t a = out.find(stores_marker), b = out.find(web_marker);
      if (a != std::string::npos && b != std::string::npos &&
          out.find('\n', b) != std::string::npos) {
        port_ = static_cast<uint16_t>(std::stoi(out.substr(a + stores_marker.size())));
        web_port_ = static_cast<uint16_t>(std::stoi(out.substr(b + web_marker.size())));
        return true;
      }
      if (hq_->Exited()) return false;  // refused to start
      poll(nullptr, 0, 20);             // waiting for the child's lines
    }
    return false;
  }
  // SIGTERM and wait (20 s); the exit status.
  int StopHq() {
    if (!hq_) return -1;
    hq_->Signal(SIGTERM);
    return hq_->Wait(20s);
  }
  std::string Log() const { return ReadText(log_); }

  Result<net::Response> Call(uint16_t port, std::shared_ptr<const net::TlsClientConfig> tls,
                             std::string method, std::string target, std::string body = {},
                             std::vector<std::pair<std::string, std::string>> headers = {}) {
    net::HttpsClient client(loop_, std::move(tls));
    net::HttpsRequest r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.body = std::move(body);
    r.headers = std::move(headers);
    std::promise<Result<net::Response>> p;
    client.Request("localhost", port, r, [&p](Result<net::Response> x) { p.set_value(x); });
    return p.get_future().get();
  }

  // POST /v1/batches from `store` with these JWS.
  Result<net::Response> Upload(const std::string& store, const std::vector<std::string>& jws) {
    json::array a;
    for (const auto& j : jws) a.emplace_back(j);
    return Call(port_, Store(store).tls, "POST", "/v1/batches",
                json::serialize(json::object{{"batches", a}}),
                {{"Content-Type", "application/json"}});
  }

  // A people's call with the session cookie (if logged in).
  Result<net::Response> Web(std::string method, std::string target, std::string body = {},
                            std::vector<std::pair<std::string, std::string>> headers = {}) {
    if (!cookie_.empty()) headers.emplace_back("Cookie", cookie_);
    return Call(web_port_, people_tls_, std::move(method), std::move(target), std::move(body),
                std::move(headers));
  }

  // `optin-hq user add` with the password on stdin; its exit status and output.
  int AddUser(const std::string& id, const std::string& role, const std::string& password,
              std::string* output = nullptr) {
    optin::testing::ChildProcess p(
        {OPTIN_HQ_PATH, "user", "add", "--id", id, "--role", role, "--db", url_});
    p.WriteStdin(password + "\n");
    p.CloseStdin();
    return p.Wait(30s, output);
  }

  Result<net::Response> LogIn(const std::string& id, const std::string& password) {
    auto r =
        Web("POST", "/v1/login", json::serialize(json::object{{"id", id}, {"password", password}}),
            {{"Content-Type", "application/json"}});
    if (r && r->status == 200) {
      for (const auto& [name, value] : r->headers) {
        std::string lower = name;
        for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (lower == "set-cookie") cookie_ = value.substr(0, value.find(';'));
      }
    }
    return r;
  }

  // A format-2 batch of one UTC day from `store`, signed with its key.
  std::string DayBatch(const std::string& store, int64_t day, const TestCells& cells,
                       std::string schema = "") {
    sync::BatchContent c;
    c.store_id = store;
    c.period_start = UtcDayStart(day);
    c.period_end = UtcDayStart(day + 1);
    c.periods = {sync::PeriodRange{c.period_start, c.period_end}};
    c.software_version = "test";
    c.audit_head = std::string(64, 'a');
    c.created_at = c.period_end + 60;
    for (const auto& [metric, labels] : cells) {
      sync::MetricRelease& m = c.metrics[metric];
      m.cap = 1;
      m.epsilon_micros = 250'000;
      m.scale_num = 4;
      m.scale_den = 1;
      for (const auto& [label, vv] : labels) {
        m.cells[label] = vv.first;
        m.variance[label] = vv.second;
      }
    }
    json::object payload = sync::BatchPayload(c);
    if (!schema.empty()) payload["schema"] = schema;
    return ValueOrDie(sync::MakeJwsSigner(*Store(store).key, random_)(payload), "sign");
  }

  platform::SeededRandom random_;
  platform::EcdsaPrivateKey ca_key_;
  platform::EcdsaPrivateKey server_key_;
  std::string ca_pem_;
  int64_t now_ = 0;
  std::map<std::string, StoreIdentity> stores_;
  std::shared_ptr<const net::TlsClientConfig> people_tls_;
  net::EventLoop loop_;
  std::thread loop_thread_;
  std::unique_ptr<ServerProcess> hq_;
  std::filesystem::path log_;
  int starts_ = 0;
  uint16_t port_ = 0;  // 0 until the first start: then the same port on restarts
  uint16_t web_port_ = 0;
  std::string cookie_;
};

}  // namespace optin::hq
