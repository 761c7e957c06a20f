// SIGHUP reloads the config file (issue 8, part 5): limits change for the next request of every
// connection while a keep-alive connection stays open; restart-only settings are named, not
// applied; a broken file changes nothing and the daemon keeps serving.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "tests/integration/daemon_harness.h"

namespace optin::testing::reload_test {
namespace {

// One HTTP/1.1 connection kept alive across requests (the harness's Request closes each time).
class KeepAliveConnection {
 public:
  explicit KeepAliveConnection(uint16_t port) {
    fd_ = ConnectLoopback(port);
    timeval tv{10, 0};
    if (fd_ >= 0) setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~KeepAliveConnection() {
    if (fd_ >= 0) close(fd_);
  }
  bool connected() const { return fd_ >= 0; }

  // Sends a GET and reads one response; empty if the connection is gone.
  std::optional<HttpResult> Get(const std::string& target) {
    const std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    if (send(fd_, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
      return std::nullopt;
    }
    while (true) {
      size_t head_end = buffer_.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        HttpResult r;
        r.headers = buffer_.substr(0, head_end);
        r.status = std::stoi(r.headers.substr(9, 3));
        size_t length = 0;
        std::string lower = r.headers;
        for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (size_t at = lower.find("content-length:"); at != std::string::npos) {
          length = std::stoul(lower.substr(at + 15));
        }
        if (buffer_.size() >= head_end + 4 + length) {
          r.body = buffer_.substr(head_end + 4, length);
          buffer_.erase(0, head_end + 4 + length);
          return r;
        }
      }
      char chunk[4096];
      ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return std::nullopt;
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }

 private:
  int fd_ = -1;
  std::string buffer_;
};

// The value of a response header (names compared case-insensitively), or empty.
std::string HeaderValue(const HttpResult& r, std::string name) {
  std::istringstream lines(r.headers);
  for (std::string line; std::getline(lines, line);) {
    if (line.size() > name.size() && line[name.size()] == ':' &&
        strncasecmp(line.c_str(), name.c_str(), name.size()) == 0) {
      std::string value = line.substr(name.size() + 1);
      while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
      while (!value.empty() && (value.back() == '\r' || value.back() == ' ')) value.pop_back();
      return value;
    }
  }
  return "";
}

class ReloadTest : public ::testing::Test {
 protected:
  static constexpr const char* kBase =
      "[listen]\nplain_http = true\n[admin]\nport = 0\n[store]\nname = \"Before\"\n";

  void SetUp() override {
    config_ = dir_ / "optin-edge.toml";
    WriteConfig(std::string(kBase) +
                "[limits]\nrate_exempt = []\nrate_per_second = 1000\nrate_burst = 1000\n");
    daemon_ = std::make_unique<Daemon>(dir_ / "data",
                                       std::vector<std::string>{"--config", config_.string()});
    std::filesystem::create_directories(dir_ / "data");
    ASSERT_TRUE(daemon_->Start()) << ReadWholeFile(daemon_->log_file());
  }

  void WriteConfig(const std::string& text) { std::ofstream(config_, std::ios::trunc) << text; }

  // SIGHUP, as systemd's ExecReload sends it, to the pid the daemon wrote.
  void Hangup() {
    const std::string pid = ReadWholeFile(daemon_->data_dir() / "optin-edged.pid");
    ASSERT_FALSE(pid.empty());
    ASSERT_EQ(kill(std::stoi(pid), SIGHUP), 0);
  }

  // Lines of the daemon's log with this event (and `with` in them).
  size_t CountLog(const std::string& event, const std::string& with = "") const {
    std::istringstream lines(ReadWholeFile(daemon_->log_file()));
    size_t n = 0;
    for (std::string line; std::getline(lines, line);) {
      if (line.find("\"event\":\"" + event + "\"") != std::string::npos &&
          line.find(with) != std::string::npos) {
        ++n;
      }
    }
    return n;
  }
  bool WaitForLog(const std::string& event, size_t count, const std::string& with = "") const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      if (CountLog(event, with) >= count) return true;
      poll(nullptr, 0, 20);  // waiting for the daemon's log line
    }
    return false;
  }
  std::string Log() const { return ReadWholeFile(daemon_->log_file()); }

  TempDir dir_;
  std::filesystem::path config_;
  std::unique_ptr<Daemon> daemon_;
};

TEST_F(ReloadTest, NewLimitsTakeEffectOnAnOpenKeepAliveConnectionAfterSighup) {
  KeepAliveConnection kept(daemon_->port());
  ASSERT_TRUE(kept.connected());
  for (int i = 0; i < 10; ++i) {
    auto r = kept.Get("/healthz");
    ASSERT_TRUE(r.has_value());
    ASSERT_EQ(r->status, 200);
  }
  // A 1000-byte body is fine before the reload.
  EXPECT_NE(daemon_->Request("POST", "/v1/checkins", std::string(1000, ' ')).status, 413);

  WriteConfig(std::string(kBase) +
              "[limits]\nrate_exempt = []\nrate_per_second = 1\nrate_burst = 2\n"
              "max_body_bytes = 512\n");
  Hangup();
  ASSERT_TRUE(WaitForLog(
      "service.reloaded", 1,
      R"("settings_applied":"limits.max_body_bytes,limits.rate_burst,limits.rate_per_second")"))
      << Log();

  // The same connection, still open, now meets the rate limit: the bucket holds at most the
  // new burst of 2, so a 429 comes within a few requests, with Retry-After, and the
  // connection stays open after it.
  int ok_before_refusal = 0;
  std::optional<HttpResult> refused;
  for (int i = 0; i < 6 && !refused; ++i) {
    auto r = kept.Get("/healthz");
    ASSERT_TRUE(r.has_value()) << "the keep-alive connection was dropped by the reload";
    if (r->status == 429) {
      refused = r;
    } else {
      ASSERT_EQ(r->status, 200);
      ++ok_before_refusal;
    }
  }
  ASSERT_TRUE(refused.has_value()) << "no 429 after the rate limit was lowered";
  EXPECT_GE(ok_before_refusal, 1);
  EXPECT_LE(ok_before_refusal, 4);
  EXPECT_GE(std::stoi(HeaderValue(*refused, "Retry-After")), 1);
  EXPECT_NE(refused->body.find("urn:optin-edge:problem:rate-limited"), std::string::npos);
  EXPECT_EQ(HeaderValue(*refused, "Content-Type"), "application/problem+json");
  auto after = kept.Get("/healthz");
  ASSERT_TRUE(after.has_value()) << "a 429 must not close the connection";
  EXPECT_EQ(after->status, 429);

  // The body limit applies to new requests: 1000 bytes are now too many.
  EXPECT_EQ(daemon_->Request("POST", "/v1/checkins", std::string(1000, ' ')).status, 413);
}

TEST_F(ReloadTest, SettingsThatNeedARestartAreNamedAndNotApplied) {
  WriteConfig(
      "[listen]\nplain_http = true\nthreads = 3\n[admin]\nport = 0\n[store]\nname = \"After\"\n"
      "[limits]\nrate_exempt = []\nrate_per_second = 1000\nrate_burst = 1000\n"
      "[log]\nlevel = \"warn\"\n");
  Hangup();
  ASSERT_TRUE(
      WaitForLog("service.restart_required", 1, R"("settings":"listen.threads,store.name")"))
      << Log();
  // log.level was applied: the reload's own info line is no longer written at "warn".
  EXPECT_EQ(CountLog("service.reloaded"), 0u) << Log();
  auto store = daemon_->Request("GET", "/v1/store");
  ASSERT_EQ(store.status, 200);
  EXPECT_NE(store.body.find("Before"), std::string::npos) << "store.name changed without restart";

  // Reported again at the next reload: it still is not in force.
  WriteConfig(
      "[listen]\nplain_http = true\nthreads = 3\n[admin]\nport = 0\n[store]\nname = \"After\"\n"
      "[limits]\nrate_exempt = []\nrate_per_second = 1000\nrate_burst = 1000\n");
  Hangup();
  ASSERT_TRUE(WaitForLog("service.reloaded", 1,
                         R"("restart_required_settings":"listen.threads,store.name")"))
      << Log();
  EXPECT_NE(Log().find(R"("settings_applied":"log.level")"), std::string::npos) << Log();
}

TEST_F(ReloadTest, ABrokenConfigFileChangesNothingAndSaysWhy) {
  WriteConfig(std::string(kBase) + "[limits\nrate_burst = 1\n");
  Hangup();
  ASSERT_TRUE(WaitForLog("service.reload_failed", 1, "optin-edge.toml:")) << Log();
  EXPECT_NE(Log().find("nothing changed"), std::string::npos) << Log();

  WriteConfig(std::string(kBase) + "[limits]\nrate_exempt = []\nrate_burst = 0\n");
  Hangup();
  ASSERT_TRUE(WaitForLog("service.reload_failed", 1, "'limits.rate_burst' must be between"))
      << Log();
  EXPECT_EQ(CountLog("service.reloaded"), 0u);

  // Still serving, with the limits it started with (a burst of 1000, not 1 or 0).
  KeepAliveConnection conn(daemon_->port());
  ASSERT_TRUE(conn.connected());
  for (int i = 0; i < 20; ++i) {
    auto r = conn.Get("/healthz");
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, 200) << "request " << i;
  }
  // A repaired file is taken at the next SIGHUP.
  WriteConfig(std::string(kBase) + "[limits]\nrate_exempt = []\nrate_burst = 500\n");
  Hangup();
  ASSERT_TRUE(WaitForLog("service.reloaded", 1, "limits.rate_burst")) << Log();
}

}  // namespace
}  // namespace optin::testing::reload_test
