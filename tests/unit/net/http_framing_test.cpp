// HTTP/1.1 framing on a hostile network (issue 18, RFC 9112): every framing in
// framing_cases.h over plain TCP and over TLS to a real HttpServer, each followed on the same
// connection by a hidden request that must never be answered; HEAD answers without a body;
// Expect: 100-continue; Strict-Transport-Security on TLS answers only; refusals reported by
// reason. Real sockets and TLS on loopback.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <regex>
#include <string>
#include <vector>

#include "net/header_block.h"
#include "net/http_server.h"
#include "platform/log.h"
#include "test_http_client.h"
#include "test_pki.h"
#include "tests/unit/net/framing_cases.h"
#include "tests/unit/net/server_fixture.h"
#include "tls_test_peers.h"

namespace optin::net::http_framing_test {
namespace {

using testing::FramingCase;
using testing::kHidden;
using testing::TestHttpClient;
using testing::TestPki;
using testing::TlsTestClient;

// Every status line in `received`, in order (an answer's body may run straight into the next
// status line; no problem detail holds "HTTP/1.x" and three digits).
std::vector<int> Statuses(const std::string& received) {
  static const std::regex kStatusLine("()HTTP/1\\.[01] (\\d{3}) ");
  std::vector<int> statuses;
  for (auto it = std::sregex_iterator(received.begin(), received.end(), kStatusLine);
       it != std::sregex_iterator(); ++it) {
    statuses.push_back(std::stoi((*it)[2].str()));
  }
  return statuses;
}

class RecordingObserver final : public RequestObserver {
 public:
  void OnRequest(std::string_view, std::string_view, int, std::chrono::nanoseconds) override {}
  void OnRefused(std::string_view reason) override {
    std::lock_guard lock(mu_);
    reasons_.emplace_back(reason);
  }
  std::vector<std::string> reasons() {
    std::lock_guard lock(mu_);
    return reasons_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> reasons_;
};

class HttpFramingTest : public testing::ServerFixture {
 protected:
  HttpFramingTest() {
    platform::log::SetMinLevel(platform::log::Level::kWarn);
    router_.Add("GET", "/hello", [](Request&&, Responder responder) {
      responder(Response::Json(200, R"({"hello":"world"})"));
    });
    router_.Add("POST", "/echo", [](Request&& request, Responder responder) {
      responder(Response::Json(200, R"({"echo":")" + request.body.substr(0, 5) + "\"}"));
    });
    router_.Add("GET", "/secret", [this](Request&&, Responder responder) {
      ++secret_hits_;
      responder(Response::Json(200, R"({"shopper":"data"})"));
    });
    router_.Add("PUT", "/v1/me/consents/{purpose}", [](Request&&, Responder responder) {
      responder(Response::Problem(400, "urn:optin-edge:problem:invalid-json", "Bad Request",
                                  "The body is not JSON."));
    });
    router_.AddWebSocket("/stream",
                         [](const Request&, std::shared_ptr<WebSocketConnection> connection) {
                           connection->Close(1000, "bye");
                         });
    router_.AddTlsResponseHeader("Strict-Transport-Security", "max-age=31536000");
    router_.SetObserver(&observer_);
  }

  // Checks one case's outcome: `received` is everything the server sent until it closed.
  void ExpectOutcome(const FramingCase& c, const std::string& received, bool closed) {
    SCOPED_TRACE(c.name);
    const std::vector<int> statuses = Statuses(received);
    ASSERT_FALSE(statuses.empty()) << "no answer; got: " << received;
    EXPECT_EQ(statuses.front(), c.status) << received;
    EXPECT_TRUE(closed) << "the connection stayed open";
    if (c.served) {
      EXPECT_EQ(statuses.size(), 2u) << received;
      EXPECT_EQ(secret_hits_.exchange(0), 1);
    } else {
      EXPECT_EQ(statuses.size(), 1u) << "the hidden request was answered: " << received;
      EXPECT_EQ(secret_hits_.exchange(0), 0) << "the hidden request reached its handler";
      EXPECT_NE(received.find("Content-Type: application/problem+json"), std::string::npos)
          << received;
    }
  }

  std::atomic<int> secret_hits_{0};
  RecordingObserver observer_;
};

TEST_F(HttpFramingTest, EveryFramingIsAnsweredOnceAndClosedOverPlainTcp) {
  StartServer();
  const auto cases = testing::FramingCases();
  ASSERT_GE(cases.size(), 40u);
  for (const FramingCase& c : cases) {
    TestHttpClient client;
    ASSERT_TRUE(client.Connect(port_));
    client.Send(c.bytes + std::string(kHidden));
    std::string received;
    const bool closed = client.WaitUntilClosed(&received);
    ExpectOutcome(c, received, closed);
  }
}

TEST_F(HttpFramingTest, EveryFramingIsAnsweredOnceAndClosedOverTls) {
  HttpServerOptions options;
  options.tls = TestPki::Get().Server();
  StartServer(options);
  for (const FramingCase& c : testing::FramingCases()) {
    TlsTestClient client(TestPki::Get().Client());
    ASSERT_FALSE(client.Connect(port_)) << c.name;
    ASSERT_FALSE(client.Write(c.bytes + std::string(kHidden))) << c.name;
    std::string received;
    const auto ended = client.ReadUntilError(&received);
    ExpectOutcome(c, received, ended != boost::asio::error::timed_out);
    EXPECT_NE(received.find("Strict-Transport-Security: max-age=31536000"), std::string::npos)
        << c.name;
  }
}

TEST_F(HttpFramingTest, TheIssuesSmugglingCaseNeverProducesASecondAnswer) {
  StartServer();
  TestHttpClient client;
  ASSERT_TRUE(client.Connect(port_));
  client.Send(
      "PUT /v1/me/consents/history HTTP/1.1\r\nHost: box\r\nTransfer-Encoding: xchunked\r\n\r\n"
      "GET /secret HTTP/1.1\r\nHost: box\r\n\r\n");
  std::string received;
  EXPECT_TRUE(client.WaitUntilClosed(&received));
  EXPECT_EQ(Statuses(received), std::vector<int>{501}) << received;
  EXPECT_EQ(secret_hits_.load(), 0);
}

TEST_F(HttpFramingTest, HeadAnswersCarryNoBodyAndTheNextRequestStillParses) {
  StartServer();
  TestHttpClient client;
  ASSERT_TRUE(client.Connect(port_));
  client.Send(
      "HEAD /hello HTTP/1.1\r\nHost: box\r\n\r\n"
      "HEAD /echo HTTP/1.1\r\nHost: box\r\n\r\n"
      "GET /hello HTTP/1.1\r\nHost: box\r\nConnection: close\r\n\r\n");
  std::string received;
  EXPECT_TRUE(client.WaitUntilClosed(&received));
  EXPECT_EQ(Statuses(received), (std::vector<int>{200, 405, 200})) << received;
  // Each head is followed directly by the next status line: no body after a HEAD answer.
  const size_t first_end = received.find("\r\n\r\n");
  ASSERT_NE(first_end, std::string::npos);
  EXPECT_EQ(received.compare(first_end + 4, 13, "HTTP/1.1 405 "), 0) << received;
  EXPECT_NE(received.find("Content-Length: 17\r\n"), std::string::npos) << received;
  const size_t second_end = received.find("\r\n\r\n", first_end + 4);
  ASSERT_NE(second_end, std::string::npos);
  EXPECT_EQ(received.compare(second_end + 4, 13, "HTTP/1.1 200 "), 0) << received;
  EXPECT_EQ(received.substr(received.size() - 17), R"({"hello":"world"})");
}

TEST_F(HttpFramingTest, ExpectContinueGets100ContinueBeforeTheBodyIsSent) {
  StartServer();
  TestHttpClient client;
  ASSERT_TRUE(client.Connect(port_));
  client.Send(
      "POST /echo HTTP/1.1\r\nHost: box\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
  auto interim = client.ReadResponse();  // Beast's reader returns the 100 on its own
  ASSERT_TRUE(interim.has_value());
  EXPECT_EQ(interim->result_int(), 100);
  client.Send("hello");
  auto final_answer = client.ReadResponse();
  ASSERT_TRUE(final_answer.has_value());
  EXPECT_EQ(final_answer->result_int(), 200);
  EXPECT_EQ(final_answer->body(), R"({"echo":"hello"})");
}

TEST_F(HttpFramingTest, ExpectContinueOverTheBodyLimitIsRefusedWithoutWaitingForTheBody) {
  StartServer();
  TestHttpClient client;
  ASSERT_TRUE(client.Connect(port_));
  client.Send(
      "POST /echo HTTP/1.1\r\nHost: box\r\nExpect: 100-continue\r\nContent-Length: 1000000\r\n"
      "\r\n");
  std::string received;
  EXPECT_TRUE(client.WaitUntilClosed(&received));
  EXPECT_EQ(Statuses(received), std::vector<int>{413}) << received;
}

TEST_F(HttpFramingTest, StrictTransportSecurityIsSentOverTlsOnly) {
  StartServer();  // plain
  TestHttpClient plain;
  ASSERT_TRUE(plain.Connect(port_));
  auto answer = plain.Request("GET", "/hello");
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->count("Strict-Transport-Security"), 0u);
  TearDown();

  EventLoop tls_loop;
  HttpServerOptions options;
  options.address = "127.0.0.1";
  options.port = 0;
  options.tls = TestPki::Get().Server();
  HttpServer tls_server(tls_loop, router_, options);
  auto port = tls_server.Listen();
  ASSERT_TRUE(port.has_value());
  std::thread runner([&] { tls_loop.Run(1); });
  TlsTestClient client(TestPki::Get().Client());
  ASSERT_FALSE(client.Connect(*port));
  auto secure = client.Request("GET", "/hello");
  tls_loop.Stop();
  runner.join();
  ASSERT_TRUE(secure.has_value());
  EXPECT_EQ((*secure)["Strict-Transport-Security"], "max-age=31536000");
}

TEST_F(HttpFramingTest, RefusalsAreReportedByReason) {
  StartServer();
  for (std::string_view bytes :
       {std::string_view("PUT /v1/me/consents/history HTTP/1.1\r\nHost: box\r\n"
                         "Transfer-Encoding: xchunked\r\n\r\n"),
        std::string_view("GET /hello HTTP/1.1\r\n\r\n"),
        std::string_view("GET /hello HTTP/1.1\r\nHost: box\r\nX-A : 1\r\n\r\n")}) {
    TestHttpClient client;
    ASSERT_TRUE(client.Connect(port_));
    client.Send(bytes);
    EXPECT_TRUE(client.WaitUntilClosed());
  }
  EXPECT_EQ(observer_.reasons(), (std::vector<std::string>{"unsupported-transfer-coding",
                                                           "bad-host", "bad-header-field"}));
  for (const std::string& reason : observer_.reasons()) {
    EXPECT_NE(std::find(kRefusalReasons.begin(), kRefusalReasons.end(), reason),
              kRefusalReasons.end());
  }
}

TEST(HeaderBlockTest, AnIncompleteHeadWaitsAndABareCrIsRefusedBeforeTheHeadEnds) {
  auto partial = CheckHeaderBlock("GET /hello HTTP/1.1\r\nHost: bo", 8192);
  ASSERT_TRUE(partial.has_value());
  EXPECT_FALSE(partial->has_value());
  auto trailing_cr = CheckHeaderBlock("GET /hello HTTP/1.1\r\nHost: box\r", 8192);
  ASSERT_TRUE(trailing_cr.has_value());  // its LF may still come
  auto bare_cr = CheckHeaderBlock("GET /hello HTTP/1.1\r\nHost: b\rox", 8192);
  ASSERT_FALSE(bare_cr.has_value());
  EXPECT_EQ(bare_cr.error().reason, "bad-line-ending");
  auto huge = CheckHeaderBlock("GET /hello HTTP/1.1\r\nX-A: " + std::string(9000, 'a'), 8192);
  ASSERT_FALSE(huge.has_value());
  EXPECT_EQ(huge.error().status, 431);
}

TEST(HeaderBlockTest, AValidHeadSaysHowTheBodyIsFramed) {
  auto chunked = CheckHeaderBlock(
      "POST /echo HTTP/1.1\r\nhost: box:8443\r\ntransfer-encoding: chunked\r\n\r\n5\r\n", 8192);
  ASSERT_TRUE(chunked.has_value() && chunked->has_value());
  EXPECT_TRUE((*chunked)->chunked);
  EXPECT_EQ((*chunked)->size, 67u);
  auto length = CheckHeaderBlock(
      "PUT /x HTTP/1.1\r\nHost: [::1]:8443\r\nContent-Length:\t12 \r\nExpect: 100-Continue\r\n\r\n",
      8192);
  ASSERT_TRUE(length.has_value() && length->has_value());
  EXPECT_EQ((*length)->content_length, 12u);
  EXPECT_TRUE((*length)->expect_continue);
  EXPECT_FALSE((*length)->chunked);
}

}  // namespace
}  // namespace optin::net::http_framing_test
