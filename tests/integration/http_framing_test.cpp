// HTTP/1.1 framing at the daemon level (issue 18): the framing table of the net tests
// (tests/unit/net/framing_cases.h) sent to the real optin-edged, straight over plain TCP and
// through Debian's nginx terminating TLS in front of it (as the README's proxy section and
// tools/bench/checkin_bench set it up). Straight: each refusal is answered once and the
// connection closed, nothing hidden after it answered. Through nginx: the requests nginx
// forwarded (its access log's upstream statuses) are exactly the requests the daemon answered
// (optin_http_requests_total on the public listener), so no bytes became an extra request.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "net/tls_config.h"
#include "platform/random.h"
#include "tests/integration/daemon_harness.h"
#include "tests/unit/net/framing_cases.h"
#include "tests/unit/net/tls_test_peers.h"

namespace optin::testing::http_framing_test {
namespace {

using net::testing::FramingCase;
using net::testing::kHidden;

std::vector<int> Statuses(const std::string& received) {
  static const std::regex kStatusLine("HTTP/1\\.[01] (\\d{3}) ");
  std::vector<int> statuses;
  for (auto it = std::sregex_iterator(received.begin(), received.end(), kStatusLine);
       it != std::sregex_iterator(); ++it) {
    statuses.push_back(std::stoi((*it)[1].str()));
  }
  return statuses;
}

// Sends `bytes` on a fresh plain connection and reads until the peer closes (or 10 s pass).
std::string SendPlain(uint16_t port, const std::string& bytes, bool* closed) {
  int fd = ConnectLoopback(port);
  if (fd < 0) return {};
  timeval timeout{.tv_sec = 10, .tv_usec = 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  std::string received;
  char chunk[4096];
  *closed = false;
  while (true) {
    ssize_t n = recv(fd, chunk, sizeof chunk, 0);
    if (n > 0) {
      received.append(chunk, static_cast<size_t>(n));
      continue;
    }
    *closed = n == 0 || errno == ECONNRESET;
    break;
  }
  close(fd);
  return received;
}

// The sum of optin_http_requests_total{listener="public"} scraped from the admin listener.
double PublicRequestsAnswered(const Daemon& daemon, const std::filesystem::path& scratch) {
  const auto file = scratch / "metrics.txt";
  RunCommand("curl -sk -o " + file.string() +
             " https://127.0.0.1:" + std::to_string(daemon.admin_port()) + "/metrics");
  std::istringstream lines(ReadWholeFile(file));
  double total = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("optin_http_requests_total{") &&
        line.find("listener=\"public\"") != std::string::npos) {
      total += std::stod(line.substr(line.rfind(' ') + 1));
    }
  }
  return total;
}

class HttpFramingTest : public DaemonTest {};

TEST_F(HttpFramingTest, EveryRefusedFramingIsAnsweredOnceAndClosedByTheDaemon) {
  const auto cases = net::testing::FramingCases();
  ASSERT_GE(cases.size(), 40u);
  for (FramingCase c : cases) {
    SCOPED_TRACE(c.name);
    // The handshake cases go to the daemon's own WebSocket route.
    if (c.bytes.starts_with("GET /stream ")) c.bytes.replace(4, 7, "/v1/staff/stream");
    bool closed = false;
    const std::string received =
        SendPlain(daemon_->port(), c.bytes + std::string(kHidden), &closed);
    const std::vector<int> statuses = Statuses(received);
    EXPECT_TRUE(closed);
    if (c.served) {
      EXPECT_EQ(statuses.size(), 2u) << received;  // the daemon has no /echo: 404s, both served
      continue;
    }
    ASSERT_EQ(statuses.size(), 1u) << "the hidden request was answered: " << received;
    EXPECT_EQ(statuses[0], c.status) << received;
  }
  // The case against the real route: the body (a GET /v1/me) is never a request.
  bool closed = false;
  const std::string received = SendPlain(
      daemon_->port(),
      "PUT /v1/me/consents/history HTTP/1.1\r\nHost: box\r\nTransfer-Encoding: xchunked\r\n\r\n"
      "GET /v1/me HTTP/1.1\r\nHost: box\r\n\r\n",
      &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(Statuses(received), std::vector<int>{501}) << received;
}

TEST_F(HttpFramingTest, BehindNginxEveryForwardedRequestIsAnsweredOnceAndNoneMore) {
  const char* nginx = std::filesystem::exists("/usr/sbin/nginx") ? "/usr/sbin/nginx" : nullptr;
  if (nginx == nullptr) GTEST_SKIP() << "nginx is not installed (tools/install-deps installs it)";
  const auto ngx = dir_ / "nginx";
  std::filesystem::create_directories(ngx / "tmp");
  ASSERT_EQ(RunCommand("openssl ecparam -name prime256v1 -genkey -noout -out " +
                       (ngx / "key.pem").string() + " 2>/dev/null && openssl req -x509 -new -key " +
                       (ngx / "key.pem").string() + " -subj /CN=localhost -days 2 -out " +
                       (ngx / "cert.pem").string() + " 2>/dev/null")
                .exit_code,
            0);
  // A free port for nginx: bind, read it, close (nginx binds it right after).
  int probe = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(probe, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t length = sizeof addr;
  getsockname(probe, reinterpret_cast<sockaddr*>(&addr), &length);
  const uint16_t port = ntohs(addr.sin_port);
  close(probe);
  const std::string n = ngx.string();
  std::ofstream(ngx / "nginx.conf")
      << "daemon off;\nmaster_process off;\npid " << n << "/nginx.pid;\nerror_log " << n
      << "/error.log warn;\nevents { worker_connections 256; }\n"
      << "http {\n  log_format forwarded '$status $upstream_status';\n"
      << "  access_log " << n << "/access.log forwarded;\n"
      << "  client_body_temp_path " << n << "/tmp/body;\n  proxy_temp_path " << n << "/tmp/proxy;\n"
      << "  fastcgi_temp_path " << n << "/tmp/fastcgi;\n  uwsgi_temp_path " << n << "/tmp/uwsgi;\n"
      << "  scgi_temp_path " << n << "/tmp/scgi;\n"
      << "  keepalive_timeout 2s;\n  client_header_timeout 2s;\n  client_body_timeout 2s;\n"
      << "  upstream optin_edged { server 127.0.0.1:" << daemon_->port() << "; keepalive 4; }\n"
      << "  server {\n    listen 127.0.0.1:" << port << " ssl;\n    server_name localhost;\n"
      << "    ssl_certificate " << n << "/cert.pem;\n    ssl_certificate_key " << n << "/key.pem;\n"
      << "    ssl_protocols TLSv1.2;\n    ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256;\n"
      << "    location / {\n      proxy_pass http://optin_edged;\n      proxy_http_version 1.1;\n"
      << "      proxy_set_header Connection \"\";\n      proxy_set_header Host $host;\n"
      << "      proxy_next_upstream off;\n    }\n  }\n}\n";
  const pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    execl(nginx, nginx, "-p", n.c_str(), "-c", (n + "/nginx.conf").c_str(), "-e",
          (n + "/error.log").c_str(), nullptr);
    _exit(127);
  }
  ASSERT_GT(pid, 0);
  struct Reaper {
    pid_t pid;
    ~Reaper() {
      if (pid <= 0) return;  // already stopped
      kill(pid, SIGTERM);
      waitpid(pid, nullptr, 0);
    }
  } reaper{pid};

  net::TlsClientSettings settings;
  settings.insecure_skip_verify = true;  // nginx's throw-away certificate
  auto drbg = platform::CtrDrbg::Create();
  ASSERT_TRUE(drbg.has_value());
  auto client_config = net::TlsClientConfig::Create(settings, **drbg);
  ASSERT_TRUE(client_config.has_value()) << client_config.error().message;
  bool up = false;
  for (int tries = 0; tries < 500 && !up; ++tries) {
    const int fd = ConnectLoopback(port);
    up = fd >= 0;
    if (fd >= 0) close(fd);
    if (!up) poll(nullptr, 0, 20);
  }
  ASSERT_TRUE(up) << ReadWholeFile(ngx / "error.log");

  const double before = PublicRequestsAnswered(*daemon_, dir_.path());
  size_t clients_answered = 0;
  for (const FramingCase& c : net::testing::FramingCases()) {
    SCOPED_TRACE(c.name);
    net::testing::TlsTestClient client(*client_config, "localhost");
    ASSERT_FALSE(client.Connect(port));
    ASSERT_FALSE(client.Write(c.bytes + std::string(kHidden)));
    std::string received;
    (void)client.ReadUntilError(&received);
    clients_answered += Statuses(received).size();
  }
  const double after = PublicRequestsAnswered(*daemon_, dir_.path());
  kill(pid, SIGTERM);  // flushes and closes the access log
  waitpid(pid, nullptr, 0);
  reaper.pid = 0;

  std::istringstream log(ReadWholeFile(ngx / "access.log"));
  size_t forwarded = 0;
  size_t logged = 0;
  for (std::string line; std::getline(log, line);) {
    ++logged;
    std::string upstream = line.substr(line.find(' ') + 1);
    std::istringstream attempts(upstream);
    for (std::string attempt; std::getline(attempts, attempt, ',');) {
      if (attempt.find_first_of("0123456789") != std::string::npos) ++forwarded;
    }
  }
  std::printf("nginx logged %zu requests, forwarded %zu; the daemon answered %.0f\n", logged,
              forwarded, after - before);
  EXPECT_GT(logged, 0u);
  EXPECT_GT(forwarded, 0u) << "nginx forwarded nothing: the comparison would prove nothing";
  EXPECT_EQ(static_cast<double>(forwarded), after - before)
      << "nginx forwarded " << forwarded << " requests, the daemon answered " << after - before
      << " (" << logged << " logged by nginx, " << clients_answered << " answers to clients)";
}

}  // namespace
}  // namespace optin::testing::http_framing_test
