// Drives the real optin-edged and optinctl binaries for integration tests: starts the daemon
// on an ephemeral loopback port in a temporary data dir, waits for its "service.listening" log
// line, talks HTTP/1.1 to it over a plain socket, and stops it with SIGTERM. Not thread-safe.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/support/http_call.h"
#include "tests/support/run_command.h"
#include "tests/support/temp_dir.h"

namespace optin::testing {

inline std::string ReadWholeFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// With OPTIN_API_ANSWERS naming a file, appends one JSON line per answer (method, target,
// status, content_type, headers with lower-case names, body, the running test's name); ctest's
// openapi_answers_check then validates each against firmware/api/openapi.json
// (tests/e2e/openapi_check.mjs). One write() per line on an O_APPEND file, so test processes
// running side by side never interleave their lines.
inline void RecordAnswer(const std::string& method, const std::string& target,
                         const HttpResult& r) {
  const char* file = std::getenv("OPTIN_API_ANSWERS");
  if (file == nullptr || *file == '\0' || r.status == 0) return;
  boost::json::object headers;
  std::string content_type;
  std::istringstream lines(r.headers);
  std::string line;
  std::getline(lines, line);  // the status line
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    if (name == "content-type") content_type = value;
    headers[name] = value;
  }
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  boost::json::object o{
      {"method", method},
      {"target", target},
      {"status", r.status},
      {"content_type", content_type},
      {"headers", std::move(headers)},
      {"body", r.body},
      {"test", info ? std::string(info->test_suite_name()) + "." + info->name() : std::string()}};
  const std::string out = boost::json::serialize(o) + "\n";
  int fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return;
  if (write(fd, out.data(), out.size()) != static_cast<ssize_t>(out.size())) {
    std::fprintf(stderr, "could not record the answer in %s\n", file);
  }
  close(fd);
}

class Daemon {
 public:
  explicit Daemon(std::filesystem::path data_dir, std::vector<std::string> extra_args = {})
      : data_dir_(std::move(data_dir)),
        log_(data_dir_.parent_path() / (data_dir_.filename().string() + ".log")),
        test_config_(data_dir_.parent_path() / (data_dir_.filename().string() + ".test.toml")),
        extra_args_(std::move(extra_args)) {}
  ~Daemon() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  // Starts the daemon and waits (up to 20 s) for it to listen. Returns false if it did not.
  bool Start() {
    std::filesystem::create_directories(data_dir_);
    std::ofstream(test_config_) << "[listen]\nplain_http = true\n[admin]\nport = 0\n";
    log_offset_ = std::filesystem::exists(log_) ? std::filesystem::file_size(log_) : 0;
    pid_ = fork();
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a crashed test
      int fd = open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      dup2(fd, STDERR_FILENO);
      int null_fd = open("/dev/null", O_RDWR);
      dup2(null_fd, STDOUT_FILENO);
      dup2(null_fd, STDIN_FILENO);
      std::vector<std::string> args = {OPTIN_EDGED_PATH, "--data-dir", data_dir_.string(),
                                       "--listen", "127.0.0.1:0"};
      if (!has_config_arg()) {
        // API tests talk plain HTTP over raw sockets; TLS has its own tests.
        args.insert(args.end(), {"--config", test_config_.string()});
      }
      args.insert(args.end(), extra_args_.begin(), extra_args_.end());
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      std::string log = ReadWholeFile(log_).substr(log_offset_);
      size_t at = log.find("\"event\":\"service.listening\"");
      if (at != std::string::npos) {
        size_t p = log.find("\"port\":", at);
        port_ = static_cast<uint16_t>(std::stoi(log.substr(p + 7)));
        size_t a = log.find("\"admin_port\":", at);
        if (a != std::string::npos)
          admin_port_ = static_cast<uint16_t>(std::stoi(log.substr(a + 13)));
        return true;
      }
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      // Waiting for the child to write its log line: poll the file.
      poll(nullptr, 0, 20);
    }
    return false;
  }

  // SIGTERM, then waits for the exit; returns the exit code (-1 if killed by a signal).
  // SIGTERM, then the exit status. A daemon still running 30 s later is killed and -2 returned
  // (a shutdown that hangs is a failure to report, not a test to hang).
  int Stop() {
    if (pid_ <= 0) return -1;
    kill(pid_, SIGTERM);
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    pid_t done = 0;
    while ((done = waitpid(pid_, &status, WNOHANG)) == 0 &&
           std::chrono::steady_clock::now() < deadline) {
      poll(nullptr, 0, 20);  // the daemon drains its connections and writes; look again
    }
    if (done == 0) {
      std::cerr << "optin-edged (pid " << pid_ << ") did not stop within 30 s of SIGTERM\n";
      Kill();
      return -2;
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  void Kill() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  HttpResult Request(const std::string& method, const std::string& target,
                     const std::string& body = "", const std::string& bearer = "",
                     const std::string& content_type = "application/json") const {
    HttpResult r = HttpCall(port_, method, target, body, bearer, content_type);
    RecordAnswer(method, target, r);
    return r;
  }

  std::string Ctl(const std::string& args) const {
    auto r = CtlResult(args);
    if (r.exit_code != 0) throw std::runtime_error("optinctl " + args + " failed: " + r.out);
    while (!r.out.empty() && r.out.back() == '\n') r.out.pop_back();
    return r.out;
  }
  // optinctl with these arguments; one that has not ended after 60 s is stopped (exit 124).
  CommandResult CtlResult(const std::string& args) const {
    return RunCommand("timeout 60 " + std::string(OPTINCTL_PATH) + " --data-dir " +
                      data_dir_.string() + " " + args);
  }

  // A token for `sub` from the development HQ key (created on first use).
  std::string MintToken(const std::string& sub, const std::string& extra = "") const {
    return Ctl("token mint --sub " + sub + " " + extra);
  }
  std::string PresenceCode() const {
    std::string out = Ctl("presence-code");
    return out.substr(0, out.find('\n'));
  }

  bool has_config_arg() const {
    for (const auto& a : extra_args_) {
      if (a == "--config") return true;
    }
    return false;
  }
  // The admin listener's port (from the log), once started.
  uint16_t admin_port() const { return admin_port_; }

  const std::filesystem::path& data_dir() const { return data_dir_; }
  const std::filesystem::path& log_file() const { return log_; }
  std::filesystem::path db_file() const { return data_dir_ / "optin-edge.db"; }
  uint16_t port() const { return port_; }

 private:
  std::filesystem::path data_dir_;
  std::filesystem::path log_;
  std::filesystem::path test_config_;
  std::vector<std::string> extra_args_;
  size_t log_offset_ = 0;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  uint16_t admin_port_ = 0;
};

// A started daemon with a development HQ key, in its own temporary directory.
class DaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    daemon_ = std::make_unique<Daemon>(dir_ / "data");
    std::filesystem::create_directories(dir_ / "data");
    daemon_->Ctl("token init-dev");
    ASSERT_TRUE(daemon_->Start()) << ReadWholeFile(daemon_->log_file());
  }

  struct CheckedIn {
    std::string token;  // the app token
    std::string visit_token;
    boost::json::object response;
  };
  // Checks `sub` in with the given purposes ({"offers": true}) and asserts 201.
  CheckedIn CheckIn(const std::string& sub, const std::string& purposes_json = "{}") {
    CheckedIn c;
    c.token = daemon_->MintToken(sub);
    auto r = daemon_->Request("POST", "/v1/checkins",
                              R"({"presence_code":")" + daemon_->PresenceCode() +
                                  R"(","purposes":)" + purposes_json + "}",
                              c.token);
    EXPECT_EQ(r.status, 201) << r.body;
    auto v = r.json();
    if (v.is_object()) {
      c.response = v.as_object();
      if (auto* vt = c.response.if_contains("visit_token")) c.visit_token = vt->as_string().c_str();
    }
    return c;
  }

  TempDir dir_;
  std::unique_ptr<Daemon> daemon_;
};

}  // namespace optin::testing
