// The kiosk as a paired device and the WebSockets' Origin check, against the real daemon
// (issue 18 parts 2 and 5): an unpaired client gets 401 problem+json before the upgrade and no
// code; `optinctl kiosk pair` gives a link that pairs one browser once (a Secure, HttpOnly,
// SameSite=Strict cookie); the paired kiosk's stream gets the presence code; `optinctl kiosk
// revoke` closes it within a second; /metrics counts paired kiosks; the audit log records the
// pairing. Both WebSockets refuse another site's Origin with 403 before the upgrade.
#include <gtest/gtest.h>

#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/stream_base.hpp>
#include <chrono>
#include <fstream>
#include <regex>

#include "tests/integration/daemon_harness.h"
#include "tests/unit/net/test_websocket_client.h"

namespace optin::testing::kiosk_test {
namespace {

namespace websocket = boost::beast::websocket;
namespace http = boost::beast::http;
using net::testing::TestWebSocketClient;

// The answer to a raw WebSocket upgrade request: status line, head, body, and whether the
// server closed the connection after it.
struct UpgradeAnswer {
  int status = 0;
  std::string head;
  std::string body;
};

UpgradeAnswer RawUpgrade(uint16_t port, const std::string& path,
                         const std::vector<std::string>& extra_headers) {
  UpgradeAnswer a;
  int fd = ConnectLoopback(port);
  if (fd < 0) return a;
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string req = "GET " + path +
                    " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
  for (const auto& h : extra_headers) req += h + "\r\n";
  req += "\r\n";
  (void)!send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  std::string resp;
  char buf[4096];
  ssize_t n;
  // The refusal closes the connection, so reading to the end terminates; an upgrade (101)
  // would not: stop after the head then.
  while ((n = recv(fd, buf, sizeof buf, 0)) > 0) {
    resp.append(buf, static_cast<size_t>(n));
    if (resp.starts_with("HTTP/1.1 101") && resp.find("\r\n\r\n") != std::string::npos) break;
  }
  close(fd);
  const size_t end = resp.find("\r\n\r\n");
  if (resp.size() < 12 || end == std::string::npos) return a;
  a.status = std::stoi(resp.substr(9, 3));
  a.head = resp.substr(0, end);
  a.body = resp.substr(end + 4);
  return a;
}

std::string JsonString(const boost::json::value& v, std::string_view key) {
  if (!v.is_object()) return {};
  const auto* m = v.as_object().if_contains(key);
  return m != nullptr && m->is_string() ? std::string(m->as_string()) : std::string();
}

class KioskPairingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_ / "data");
    const auto config = dir_ / "kiosk.toml";
    std::ofstream(config) << "[listen]\nplain_http = true\n[admin]\nport = 0\n"
                             "[kiosk]\nallow_loopback = false\n";
    daemon_ = std::make_unique<Daemon>(dir_ / "data",
                                       std::vector<std::string>{"--config", config.string()});
    daemon_->Ctl("token init-dev");
    ASSERT_TRUE(daemon_->Start()) << ReadWholeFile(daemon_->log_file());
  }

  // `optinctl kiosk pair --name NAME`: the token of the link it printed.
  std::string PairingToken(const std::string& name) {
    const std::string out = daemon_->Ctl("kiosk pair --name " + name);
    std::smatch m;
    static const std::regex kLink(R"(https?://[^/\s]+/kiosk/pair\?t=(kp_[A-Za-z0-9_-]+))");
    EXPECT_TRUE(std::regex_search(out, m, kLink)) << out;
    return m.size() > 1 ? m[1].str() : std::string();
  }

  // Opens the link as the kiosk's browser would; the credential from its cookie.
  std::string OpenLink(const std::string& token, HttpResult* answer = nullptr) {
    HttpResult r = daemon_->Request("GET", "/kiosk/pair?t=" + token);
    if (answer != nullptr) *answer = r;
    std::smatch m;
    static const std::regex kCookie(R"(Set-Cookie: optin_kiosk=(kc_[A-Za-z0-9_-]+))",
                                    std::regex::icase);
    if (!std::regex_search(r.headers, m, kCookie)) return {};
    return m[1].str();
  }

  std::unique_ptr<TestWebSocketClient> Kiosk(const std::string& credential,
                                             const std::string& origin = {}) {
    auto client = std::make_unique<TestWebSocketClient>();
    client->stream().set_option(
        websocket::stream_base::decorator([credential, origin](websocket::request_type& req) {
          if (!credential.empty()) req.set(http::field::cookie, "optin_kiosk=" + credential);
          if (!origin.empty()) req.set(http::field::origin, origin);
        }));
    auto ec = client->Connect(daemon_->port(), "/v1/kiosk/stream");
    EXPECT_FALSE(ec) << ec.message();
    return client;
  }

  std::string Scrape() {
    CommandResult r =
        RunCommand("curl -sS --max-time 10 --cacert " +
                   (daemon_->data_dir() / "tls" / "self-signed.crt").string() +
                   " https://127.0.0.1:" + std::to_string(daemon_->admin_port()) + "/metrics");
    EXPECT_EQ(r.exit_code, 0) << r.out;
    return r.out;
  }

  TempDir dir_;
  std::unique_ptr<Daemon> daemon_;
};

TEST_F(KioskPairingTest, AnUnpairedClientGets401BeforeTheUpgradeAndNoCode) {
  UpgradeAnswer a = RawUpgrade(daemon_->port(), "/v1/kiosk/stream", {});
  EXPECT_EQ(a.status, 401) << a.head;
  EXPECT_NE(a.head.find("application/problem+json"), std::string::npos) << a.head;
  auto problem = boost::json::parse(a.body);
  EXPECT_EQ(JsonString(problem, "type"), "urn:optin-edge:problem:kiosk-not-paired");
  EXPECT_NE(JsonString(problem, "detail").find("optinctl kiosk pair"), std::string::npos);
  EXPECT_EQ(a.body.find(daemon_->PresenceCode()), std::string::npos);
  // A credential that was never issued is no better.
  a = RawUpgrade(daemon_->port(), "/v1/kiosk/stream",
                 {"Cookie: optin_kiosk=kc_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"});
  EXPECT_EQ(a.status, 401);
  // The page learns why from /v1/kiosk/session.
  HttpResult session = daemon_->Request("GET", "/v1/kiosk/session");
  EXPECT_EQ(session.status, 401);
  EXPECT_EQ(JsonString(session.json(), "type"), "urn:optin-edge:problem:kiosk-not-paired");
}

TEST_F(KioskPairingTest, APairingLinkPairsOneBrowserOnceWithAStrictCookie) {
  const std::string token = PairingToken("entrance");
  HttpResult first;
  const std::string credential = OpenLink(token, &first);
  ASSERT_FALSE(credential.empty()) << first.headers;
  EXPECT_EQ(first.status, 303);
  EXPECT_NE(first.headers.find("Location: /kiosk"), std::string::npos) << first.headers;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(first.headers, m, std::regex("Set-Cookie: ([^\r\n]*)")));
  const std::string cookie = m[1].str();
  for (const char* attribute : {"; Secure", "; HttpOnly", "; SameSite=Strict", "; Path=/"}) {
    EXPECT_NE(cookie.find(attribute), std::string::npos) << cookie;
  }
  HttpResult second;
  EXPECT_TRUE(OpenLink(token, &second).empty()) << "the link paired a second browser";
  EXPECT_EQ(second.status, 401) << second.body;
  EXPECT_EQ(JsonString(second.json(), "type"), "urn:optin-edge:problem:kiosk-pairing-invalid");
  // A browser that opens a spent link is sent to the kiosk page, which says how to pair.
  int fd = ConnectLoopback(daemon_->port());
  ASSERT_GE(fd, 0);
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  const std::string req = "GET /kiosk/pair?t=" + token +
                          " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/html\r\n"
                          "Connection: close\r\n\r\n";
  (void)!send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  std::string resp;
  char buf[2048];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof buf, 0)) > 0) resp.append(buf, static_cast<size_t>(n));
  close(fd);
  EXPECT_TRUE(resp.starts_with("HTTP/1.1 303")) << resp;
  EXPECT_NE(resp.find("Location: /kiosk?pairing=failed"), std::string::npos) << resp;

  HttpResult session = daemon_->Request("GET", "/v1/kiosk/session");
  EXPECT_EQ(session.status, 401);
  const std::string list = daemon_->Ctl("kiosk list --json");
  EXPECT_NE(list.find(R"("name":"entrance","state":"paired")"), std::string::npos) << list;
  // The pairing is in the audit log, and the chain holds.
  EXPECT_NE(daemon_->Ctl("audit verify").find("intact"), std::string::npos);
}

TEST_F(KioskPairingTest, APairedKioskGetsTheCodeAndARevokedOneLosesItWithinASecond) {
  const std::string credential = OpenLink(PairingToken("entrance"));
  ASSERT_FALSE(credential.empty());
  const std::string before = daemon_->PresenceCode();
  auto kiosk = Kiosk(credential);
  auto frame = kiosk->Read();
  ASSERT_TRUE(frame.has_value()) << kiosk->error().message();
  const std::string after = daemon_->PresenceCode();
  auto presence = boost::json::parse(*frame);
  EXPECT_EQ(JsonString(presence, "type"), "presence");
  const std::string code = JsonString(presence, "code");
  EXPECT_TRUE(code == before || code == after) << code << " vs " << before << "/" << after;
  EXPECT_EQ(presence.as_object().at("web_code_minutes").as_int64(), 10);
  EXPECT_NE(Scrape().find("optin_kiosks_paired 1"), std::string::npos);

  daemon_->Ctl("kiosk revoke entrance");
  const auto revoked_at = std::chrono::steady_clock::now();
  EXPECT_TRUE(kiosk->ReadUntilClosed(std::chrono::milliseconds(1000)))
      << "the revoked kiosk's stream was still open a second later";
  const auto took = std::chrono::steady_clock::now() - revoked_at;
  std::printf(
      "revoked kiosk closed after %lld ms\n",
      static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()));
  EXPECT_EQ(kiosk->close_reason().code, 4001);
  // And it cannot come back.
  UpgradeAnswer a =
      RawUpgrade(daemon_->port(), "/v1/kiosk/stream", {"Cookie: optin_kiosk=" + credential});
  EXPECT_EQ(a.status, 401);
  EXPECT_NE(Scrape().find("optin_kiosks_paired 0"), std::string::npos);
}

TEST_F(KioskPairingTest, BothWebSocketsRefuseAnotherSitesOriginBeforeTheUpgrade) {
  const std::string credential = OpenLink(PairingToken("entrance"));
  ASSERT_FALSE(credential.empty());
  const std::string port = std::to_string(daemon_->port());
  for (const char* path : {"/v1/staff/stream", "/v1/kiosk/stream"}) {
    for (const std::string& origin :
         {std::string("https://evil.example"), "http://evil.example:" + port,
          "http://localhost:" + std::to_string(daemon_->port() + 1), "https://localhost:" + port,
          std::string("null"), "http://localhost:" + port + "/path"}) {
      UpgradeAnswer a = RawUpgrade(daemon_->port(), path,
                                   {"Origin: " + origin, "Cookie: optin_kiosk=" + credential});
      EXPECT_EQ(a.status, 403) << path << " from " << origin;
      EXPECT_NE(a.head.find("application/problem+json"), std::string::npos);
      EXPECT_EQ(JsonString(boost::json::parse(a.body), "type"),
                "urn:optin-edge:problem:origin-not-allowed");
    }
    // The box's own origins (tls.host_names and tls.ip_addresses on this port) upgrade.
    for (const std::string& origin :
         {"http://localhost:" + port, "http://127.0.0.1:" + port, "HTTP://LOCALHOST:" + port}) {
      UpgradeAnswer a = RawUpgrade(daemon_->port(), path,
                                   {"Origin: " + origin, "Cookie: optin_kiosk=" + credential});
      EXPECT_EQ(a.status, 101) << path << " from " << origin << ": " << a.body;
    }
  }
  // The kiosk's own page, through a real client.
  auto kiosk = Kiosk(credential, "http://localhost:" + port);
  EXPECT_TRUE(kiosk->Read().has_value());
}

// The default configuration: the box's own browser needs no pairing, unless a proxy on the box
// forwarded the request.
TEST_F(DaemonTest, TheBoxsOwnBrowserFollowsTheKioskWithoutPairingButAForwardedRequestDoesNot) {
  UpgradeAnswer a = RawUpgrade(daemon_->port(), "/v1/kiosk/stream", {});
  EXPECT_EQ(a.status, 101) << a.body;
  a = RawUpgrade(daemon_->port(), "/v1/kiosk/stream", {"X-Forwarded-For: 198.51.100.7"});
  EXPECT_EQ(a.status, 401);
  HttpResult session = daemon_->Request("GET", "/v1/kiosk/session");
  EXPECT_EQ(session.status, 200) << session.body;
  EXPECT_EQ(JsonString(session.json(), "access"), "loopback");
}

}  // namespace
}  // namespace optin::testing::kiosk_test
