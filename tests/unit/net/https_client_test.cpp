// HttpsClient against a real peer nobody here wrote (openssl s_server) and against our own
// HTTPS server, plus the failures it must explain: untrusted, wrong host, expired, silent peer.
#include "net/https_client.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <future>
#include <thread>

#include "tests/support/child_process.h"
#include "net/http_server.h"
#include "platform/log.h"
#include "test_pki.h"

namespace optin::net::https_client_test {
namespace {

using optin::testing::ChildProcess;
using testing::TestPki;

class HttpsClientTest : public ::testing::Test {
 protected:
  HttpsClientTest() {
    platform::log::SetMinLevel(platform::log::Level::kError);
    runner_ = std::thread([this] { loop_.Run(1); });
  }
  ~HttpsClientTest() override {
    loop_.Stop();
    runner_.join();
  }

  // Starts `openssl s_server -www` on a fresh port, requiring a client certificate signed by
  // the test CA; returns its port once it accepts connections.
  uint16_t StartOpensslServer(const std::string& cert) {
    uint16_t port = optin::testing::FreePort();
    server_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{"openssl", "s_server", "-accept",
                                 "127.0.0.1:" + std::to_string(port), "-cert", cert + ".pem",
                                 "-key", "server.key", "-CAfile", "ca.pem", "-Verify", "1", "-www",
                                 "-tls1_2"},
        TestPki::Get().Path(""), TestPki::Get().Path("s_server." + std::to_string(port) + ".log"));
    EXPECT_TRUE(optin::testing::WaitForPort(port, std::chrono::seconds(10)));
    return port;
  }

  Result<Response> Fetch(std::shared_ptr<const TlsClientConfig> tls, uint16_t port,
                         HttpsClientOptions options = {}, std::string host = "localhost") {
    HttpsClient client(loop_, std::move(tls), options);
    std::promise<Result<Response>> result;
    HttpsRequest request;
    request.target = "/";
    client.Request(host, port, request,
                   [&](Result<Response> response) { result.set_value(std::move(response)); });
    auto future = result.get_future();
    if (future.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
      return Fail(ErrorCode::kInternal, "the client never called back");
    }
    return future.get();
  }

  EventLoop loop_;
  std::thread runner_;
  std::unique_ptr<ChildProcess> server_;
};

TEST_F(HttpsClientTest, SucceedsAgainstOpensslServerThatRequiresItsClientCertificate) {
  uint16_t port = StartOpensslServer("server");
  auto response = Fetch(TestPki::Get().Client("ca", "client"), port);
  ASSERT_TRUE(response.has_value()) << response.error().message;
  EXPECT_EQ(response->status, 200);
  EXPECT_NE(response->body.find("Ciphers"), std::string::npos) << response->body;
}

TEST_F(HttpsClientTest, FailsClearlyWhenTheServerRefusesToProceedWithoutAClientCertificate) {
  uint16_t port = StartOpensslServer("server");
  auto response = Fetch(TestPki::Get().Client("ca"), port);
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().reason, "tls-handshake") << response.error().message;
  EXPECT_NE(response.error().message.find("TLS handshake with localhost:"), std::string::npos)
      << response.error().message;
}

TEST_F(HttpsClientTest, RefusesAServerWhoseCertificateIsNotTrusted) {
  uint16_t port = StartOpensslServer("server");
  auto response = Fetch(TestPki::Get().Client("rogue_ca", "client"), port);
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(response.error().message, "the TLS certificate of localhost:" + std::to_string(port) +
                                          " was refused: certificate not trusted (unknown issuer)");
}

TEST_F(HttpsClientTest, RefusesAServerWhoseCertificateNamesAnotherHost) {
  uint16_t port = StartOpensslServer("other_host");
  auto response = Fetch(TestPki::Get().Client("ca", "client"), port);
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().reason, "tls-certificate");
  EXPECT_NE(response.error().message.find("certificate does not match the host name"),
            std::string::npos)
      << response.error().message;
}

TEST_F(HttpsClientTest, RefusesExpiredAndNotYetValidServerCertificates) {
  uint16_t port = StartOpensslServer("expired");
  auto expired = Fetch(TestPki::Get().Client("ca", "client"), port);
  ASSERT_FALSE(expired.has_value());
  EXPECT_NE(expired.error().message.find("certificate expired"), std::string::npos)
      << expired.error().message;

  port = StartOpensslServer("future");
  auto future = Fetch(TestPki::Get().Client("ca", "client"), port);
  ASSERT_FALSE(future.has_value());
  EXPECT_NE(future.error().message.find("certificate not yet valid"), std::string::npos)
      << future.error().message;
}

TEST_F(HttpsClientTest, TimesOutAgainstAServerThatAcceptsButNeverAnswers) {
  boost::asio::io_context io;
  // The kernel completes TCP handshakes for a listening socket nobody accepts from.
  boost::asio::ip::tcp::acceptor silent(
      io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  HttpsClientOptions options;
  options.handshake_timeout = std::chrono::milliseconds(200);
  auto started = std::chrono::steady_clock::now();
  auto response = Fetch(TestPki::Get().Client("ca", "client"), silent.local_endpoint().port(),
                        options, "127.0.0.1");
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().reason, "timeout");
  EXPECT_EQ(response.error().message,
            "TLS handshake with 127.0.0.1:" + std::to_string(silent.local_endpoint().port()) +
                " timed out after 200 ms");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
}

TEST_F(HttpsClientTest, ReportsConnectionRefused) {
  uint16_t port = optin::testing::FreePort();
  auto response = Fetch(TestPki::Get().Client("ca", "client"), port, {}, "127.0.0.1");
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().message, "connection refused by 127.0.0.1:" + std::to_string(port));
  EXPECT_EQ(response.error().code, ErrorCode::kUnavailable);
}

TEST_F(HttpsClientTest, TalksMutualTlsToOurOwnServer) {
  Router router;
  router.Add("POST", "/v1/batches", [](Request&& request, Responder responder) {
    responder(Response::Json(202, R"({"received":)" + std::to_string(request.body.size()) + "}"));
  });
  HttpServerOptions options;
  options.address = "127.0.0.1";
  options.port = 0;
  options.tls = TestPki::Get().Server("server", "ca", /*require_client_cert=*/true);
  HttpServer server(loop_, router, options);
  auto port = server.Listen();
  ASSERT_TRUE(port.has_value());

  HttpsClient client(loop_, TestPki::Get().Client("ca", "client"));
  std::promise<Result<Response>> result;
  HttpsRequest request;
  request.method = "POST";
  request.target = "/v1/batches";
  request.headers = {{"Content-Type", "application/json"}};
  request.body = std::string(5000, 'b');
  client.Request("localhost", *port, request,
                 [&](Result<Response> response) { result.set_value(std::move(response)); });
  auto future = result.get_future();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  auto response = future.get();
  ASSERT_TRUE(response.has_value()) << response.error().message;
  EXPECT_EQ(response->status, 202);
  EXPECT_EQ(response->body, R"({"received":5000})");
  EXPECT_EQ(response->content_type, "application/json");
}

}  // namespace
}  // namespace optin::net::https_client_test
