// HttpServer over TLS, checked with our own client and with real clients nobody here wrote
// (curl and openssl s_client, run as child processes).
#include <gtest/gtest.h>

#include <future>
#include <regex>
#include <thread>

#include "tests/support/child_process.h"
#include "net/http_server.h"
#include "platform/log.h"
#include "test_http_client.h"
#include "test_pki.h"
#include "tls_test_peers.h"

namespace optin::net::https_server_test {
namespace {

using optin::testing::ChildProcess;
using testing::TestPki;
using testing::TlsTestClient;

constexpr std::chrono::seconds kProcessDeadline{20};

class HttpsServerTest : public ::testing::Test {
 protected:
  HttpsServerTest() {
    platform::log::SetMinLevel(platform::log::Level::kError);
    router_.Add("GET", "/hello", [](Request&&, Responder responder) {
      responder(Response::Json(200, R"({"hello":"world"})"));
    });
    router_.Add("POST", "/echo", [](Request&& request, Responder responder) {
      responder(Response::Json(200, std::move(request.body)));
    });
  }

  void StartServer(HttpServerOptions options = {}) {
    options.address = "127.0.0.1";
    options.port = 0;
    if (!options.tls) options.tls = TestPki::Get().Server();
    server_ = std::make_unique<HttpServer>(loop_, router_, options);
    Result<uint16_t> port = server_->Listen();
    ASSERT_TRUE(port.has_value()) << port.error().message;
    port_ = *port;
    runner_ = std::thread([this] { loop_.Run(2); });
  }

  void TearDown() override {
    loop_.Stop();
    if (runner_.joinable()) runner_.join();
    server_.reset();
  }

  // Runs a program to completion (stdin closed at once) and returns its exit status.
  static int Run(const std::vector<std::string>& argv, std::string* output,
                 std::string_view input = {}) {
    ChildProcess process(argv, TestPki::Get().Path(""));
    EXPECT_TRUE(process.started());
    process.WriteStdin(input);
    process.CloseStdin();
    return process.Wait(kProcessDeadline, output);
  }

  std::string Url(std::string_view path) const {
    return "https://localhost:" + std::to_string(port_) + std::string(path);
  }
  std::vector<std::string> Curl(std::vector<std::string> extra) const {
    std::vector<std::string> argv = {
        "curl", "-sS",       "--max-time",
        "10",   "--resolve", "localhost:" + std::to_string(port_) + ":127.0.0.1"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  }
  std::vector<std::string> SClient(std::vector<std::string> extra) const {
    std::vector<std::string> argv = {
        "openssl",     "s_client",  "-connect", "127.0.0.1:" + std::to_string(port_),
        "-servername", "localhost", "-CAfile",  "ca.pem"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  }

  // Waits (without sleeping for a fixed time) until `predicate` holds or the deadline passes.
  template <class Predicate>
  static bool Eventually(Predicate predicate) {
    auto until = std::chrono::steady_clock::now() + testing::kDeadline;
    while (std::chrono::steady_clock::now() < until) {
      if (predicate()) return true;
      std::this_thread::yield();
    }
    return predicate();
  }

  EventLoop loop_;
  Router router_;
  std::unique_ptr<HttpServer> server_;
  std::thread runner_;
  uint16_t port_ = 0;
};

TEST_F(HttpsServerTest, CurlGets200AndVerifiesTheServerCertificate) {
  StartServer();
  std::string output;
  int status =
      Run(Curl({"--cacert", "ca.pem", "-w", "\n%{http_code} %{ssl_verify_result}", Url("/hello")}),
          &output);
  EXPECT_EQ(status, 0) << output;
  EXPECT_EQ(output, "{\"hello\":\"world\"}\n200 0");
}

TEST_F(HttpsServerTest, OpensslClientNegotiatesTls12WithAnEcdheEcdsaAeadSuite) {
  StartServer();
  std::string output;
  int status = Run(SClient({"-brief", "-verify_return_error"}), &output);
  EXPECT_EQ(status, 0) << output;
  EXPECT_NE(output.find("Protocol version: TLSv1.2"), std::string::npos) << output;
  EXPECT_TRUE(std::regex_search(
      output, std::regex("Ciphersuite: ECDHE-ECDSA-(AES128-GCM-SHA256|AES256-GCM-SHA384|"
                         "CHACHA20-POLY1305)")))
      << output;
  EXPECT_NE(output.find("Verification: OK"), std::string::npos) << output;
}

TEST_F(HttpsServerTest, Tls11AndTls10ClientsAreRefusedByTheServer) {
  StartServer();
  for (const char* version : {"-tls1_1", "-tls1"}) {
    std::string output;
    // SECLEVEL=0 lets OpenSSL offer the old versions at all, so the refusal is ours.
    int status = Run(SClient({version, "-cipher", "DEFAULT:@SECLEVEL=0"}), &output);
    EXPECT_NE(status, 0) << version << ": " << output;
    EXPECT_EQ(output.find("Cipher is ECDHE"), std::string::npos) << version << ": " << output;
  }
  EXPECT_TRUE(Eventually([&] { return server_->stats().tls_handshakes_failed == 2; }));
  EXPECT_EQ(server_->stats().tls_handshakes_completed, 0u);
}

TEST_F(HttpsServerTest, CbcSuiteIsRefused) {
  StartServer();
  std::string output;
  int status = Run(SClient({"-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA256"}), &output);
  EXPECT_NE(status, 0) << output;
  EXPECT_TRUE(Eventually([&] { return server_->stats().tls_handshakes_failed == 1; }));
}

TEST_F(HttpsServerTest, RenegotiationAttemptIsRefused) {
  StartServer();
  std::string output;
  // "R" asks s_client to renegotiate; the server answers no_renegotiation and stays up.
  Run(SClient({"-tls1_2"}), &output, "R\n");
  EXPECT_NE(output.find("RENEGOTIATING"), std::string::npos) << output;
  EXPECT_NE(output.find("no renegotiation"), std::string::npos) << output;
  TlsTestClient client(TestPki::Get().Client());
  ASSERT_FALSE(client.Connect(port_));
  auto response = client.Request("GET", "/hello");
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->result_int(), 200);
}

TEST_F(HttpsServerTest, MutualTlsRefusesNoCertificateAndAnUntrustedOneAndAcceptsATrustedOne) {
  HttpServerOptions options;
  options.tls = TestPki::Get().Server("server", "ca", /*require_client_cert=*/true);
  StartServer(options);
  std::string output;
  EXPECT_NE(Run(Curl({"--cacert", "ca.pem", Url("/hello")}), &output), 0) << output;
  EXPECT_NE(Run(Curl({"--cacert", "ca.pem", "--cert", "rogue_client.pem", "--key",
                      "rogue_client.key", Url("/hello")}),
                &output),
            0)
      << output;
  EXPECT_EQ(Run(Curl({"--cacert", "ca.pem", "--cert", "client.pem", "--key", "client.key", "-w",
                      " %{http_code}", Url("/hello")}),
                &output),
            0)
      << output;
  EXPECT_EQ(output, "{\"hello\":\"world\"} 200");
  EXPECT_TRUE(Eventually([&] { return server_->stats().tls_handshakes_failed == 2; }));
  EXPECT_EQ(server_->stats().tls_handshakes_completed, 1u);
}

TEST_F(HttpsServerTest, StalledHandshakeIsClosedAfterHandshakeTimeout) {
  HttpServerOptions options;
  options.handshake_timeout = std::chrono::milliseconds(200);
  StartServer(options);
  testing::TestHttpClient silent;  // connects and sends nothing
  ASSERT_TRUE(silent.Connect(port_));
  auto started = std::chrono::steady_clock::now();
  std::string received;
  EXPECT_TRUE(silent.WaitUntilClosed(&received));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
  EXPECT_EQ(received, "");
  EXPECT_TRUE(Eventually([&] { return server_->stats().tls_handshakes_failed == 1; }));
}

TEST_F(HttpsServerTest, GarbageInsteadOfAClientHelloIsClosedQuicklyWhileOthersAreServed) {
  StartServer();
  TlsTestClient good(TestPki::Get().Client());
  ASSERT_FALSE(good.Connect(port_));
  testing::TestHttpClient garbage;
  ASSERT_TRUE(garbage.Connect(port_));
  garbage.Send("GET /hello HTTP/1.1\r\nHost: plain-text-on-a-tls-port\r\n\r\n");
  std::string received;
  EXPECT_TRUE(garbage.WaitUntilClosed(&received));  // before kDeadline, not at read_timeout
  auto response = good.Request("GET", "/hello");
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->result_int(), 200);
  EXPECT_EQ(server_->stats().tls_handshakes_failed, 1u);
}

TEST_F(HttpsServerTest, AHandshakeBeyondMaxConcurrentHandshakesClosesTheStalledOneInstead) {
  HttpServerOptions options;
  options.max_concurrent_handshakes = 1;
  options.handshake_timeout = std::chrono::minutes(5);
  StartServer(options);
  testing::TestHttpClient stalled;  // connects and sends nothing: holds the only slot
  ASSERT_TRUE(stalled.Connect(port_));
  ASSERT_TRUE(Eventually([&] { return server_->stats().tls_handshakes_in_progress == 1; }));

  TlsTestClient client(TestPki::Get().Client());
  ASSERT_FALSE(client.Connect(port_));
  auto response = client.Request("GET", "/hello");
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->result_int(), 200);
  EXPECT_TRUE(stalled.WaitUntilClosed());  // long before its 5-minute handshake timeout
  EXPECT_EQ(server_->stats().tls_handshakes_evicted_listener_limit, 1u);
  EXPECT_EQ(server_->stats().tls_handshakes_failed, 0u);
}

TEST_F(HttpsServerTest, SessionTicketsLetAReconnectingClientResume) {
  StartServer();
  std::string output;
  ASSERT_EQ(Run(SClient({"-tls1_2", "-sess_out", "session.pem"}), &output), 0) << output;
  EXPECT_NE(output.find("New, TLSv1.2"), std::string::npos) << output;
  EXPECT_NE(output.find("TLS session ticket lifetime hint"), std::string::npos) << output;
  ASSERT_EQ(Run(SClient({"-tls1_2", "-sess_in", "session.pem"}), &output), 0) << output;
  EXPECT_NE(output.find("Reused, TLSv1.2"), std::string::npos) << output;
}

TEST_F(HttpsServerTest, KeepAliveWorksOverTlsAndShutdownSendsCloseNotify) {
  StartServer();
  TlsTestClient client(TestPki::Get().Client());
  ASSERT_FALSE(client.Connect(port_));
  for (int i = 0; i < 20; ++i) {
    auto response = client.Request("POST", "/echo", std::string(1000 + i * 700, 'e'));
    ASSERT_TRUE(response.has_value()) << i;
    EXPECT_EQ(response->result_int(), 200);
    EXPECT_EQ(response->body().size(), 1000u + i * 700u);
  }
  EXPECT_EQ(server_->stats().connections_accepted, 1u);
  std::promise<void> done;
  server_->Shutdown([&] { done.set_value(); });
  EXPECT_EQ(client.ReadUntilError(), boost::asio::error::eof);  // a clean TLS close
  EXPECT_EQ(done.get_future().wait_for(testing::kDeadline), std::future_status::ready);
}

TEST_F(HttpsServerTest, OversizedBodyGets413OverTls) {
  HttpServerOptions options;
  options.max_body_bytes = 1024;
  StartServer(options);
  TlsTestClient client(TestPki::Get().Client());
  ASSERT_FALSE(client.Connect(port_));
  auto response = client.Request("POST", "/echo", std::string(64 * 1024, 'x'));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->result_int(), 413);
  EXPECT_FALSE(response->keep_alive());
}

TEST_F(HttpsServerTest, SetTlsServesNewConnectionsWithTheNewCertificateAndKeepsOldOnes) {
  StartServer();
  TlsTestClient before(TestPki::Get().Client());
  ASSERT_FALSE(before.Connect(port_));
  ASSERT_TRUE(before.Request("GET", "/hello").has_value());

  server_->SetTls(TestPki::Get().Server("other_host"));

  auto still = before.Request("GET", "/hello");  // the old connection keeps its certificate
  ASSERT_TRUE(still.has_value());
  EXPECT_EQ(still->result_int(), 200);
  TlsTestClient as_localhost(TestPki::Get().Client());
  EXPECT_TRUE(as_localhost.Connect(port_));  // the new certificate names other.example
  TlsTestClient as_other(TestPki::Get().Client(), "other.example");
  ASSERT_FALSE(as_other.Connect(port_));
  auto response = as_other.Request("GET", "/hello");
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->result_int(), 200);
}

}  // namespace
}  // namespace optin::net::https_server_test
