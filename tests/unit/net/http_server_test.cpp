#include "net/http_server.h"
#include "tests/unit/net/server_fixture.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

#include "platform/log.h"
#include "test_http_client.h"

namespace optin::net::http_server_test {
namespace {

using testing::kDeadline;
using testing::TestHttpClient;

std::string ProblemType(const testing::http::response<testing::http::string_body>& response) {
  return std::string(boost::json::parse(response.body()).at("type").as_string());
}

class HttpServerTest : public testing::ServerFixture {
 protected:
  HttpServerTest() {
    platform::log::SetMinLevel(platform::log::Level::kWarn);  // keep the test output readable
    router_.Add("GET", "/hello", [](Request&&, Responder responder) {
      responder(Response::Json(200, R"({"hello":"world"})"));
    });
    router_.Add("POST", "/echo", [](Request&& request, Responder responder) {
      responder(Response::Json(200, std::move(request.body)));
    });
    router_.Add("GET", "/hold", [this](Request&&, Responder responder) {
      held_.set_value(std::move(responder).Share());
    });
    router_.Add("GET", "/drop", [](Request&&, Responder) {});
    router_.Add("GET", "/items/{id}", [this](Request&& request, Responder responder) {
      seen_.set_value(request);
      responder(Response::Json(200, "{}"));
    });
  }

  // Waits for the /hold handler and returns its responder.
  std::shared_ptr<Responder> HeldResponder() {
    auto future = held_.get_future();
    if (future.wait_for(kDeadline) != std::future_status::ready) return nullptr;
    return future.get();
  }

  std::promise<std::shared_ptr<Responder>> held_;
  std::promise<Request> seen_;
};

TEST_F(HttpServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  StartServer();
  TestHttpClient client;
  ASSERT_TRUE(client.Connect(port_));
  for (int i = 0; i < 20; ++i) {
    auto response = client.Request("GET", "/hello");
    ASSERT_TRUE(response.has_value()) << "request " << i;
    EXPECT_EQ(response->result_int(), 200);
    EXPECT_EQ(response->body(), R"({"hello":"world"})");
    EXPECT_TRUE(response->keep_alive());
    EXPECT_EQ((*response)[testing::http::field::server], "optin-edge");
    EXPECT_EQ((*response)[testing::http::field::content_type], "application/json");
  }
  EXPECT_EQ(server_->stats().connections_accepted, 1u);
  EXPECT_EQ(server_->stats().requests, 20u);
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  StartServer();
  TestHttpClient client;
  ASSERT_TRUE(client.Connect(port_));
  client.Send(
      "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nfirst"
      "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 6\r\n\r\nsecond");
  auto first = client.ReadResponse();
  auto second = client.ReadResponse();
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(first->body(), "first");
  EXPECT_EQ(second->body(), "second");
}

TEST_F(HttpServerTest, RequestReachesHandlerDecodedWithLowercaseHeaders) {
  StartServer();
  TestHttpClient client;
  ASSERT_TRUE(client.Connect(port_));
  client.Send("GET /items/a%20b?x=1&y=%20 HTTP/1.1\r\nHost: t\r\nX-Custom-Thing: Value\r\n\r\n");
  auto response = client.ReadResponse();
  ASSERT_TRUE(response.has_value());
  auto future = seen_.get_future();
  ASSERT_EQ(future.wait_for(kDeadline), std::future_status::ready);
  Request request = future.get();
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.target, "/items/a%20b?x=1&y=%20");
  EXPECT_EQ(request.path, "/items/a b");
  EXPECT_EQ(request.query, "x=1&y=%20");
  EXPECT_EQ(request.Param("id"), "a b");
  EXPECT_EQ(request.Header("x-custom-thing"), "Value");
  EXPECT_EQ(request.remote_address, "127.0.0.1");
}

TEST_F(HttpServerTest, UnknownPathGets404AndWrongMethod405WithAllow) {
  StartServer();
  TestHttpClient client;
  ASSERT_TRUE(client.Connect(port_));
  auto missing = client.Request("GET", "/nowhere");
  ASSERT_TRUE(missing.has_value());
  EXPECT_EQ(missing->result_int(), 404);
  EXPECT_EQ((*missing)[testing::http::field::content_type], "application/problem+json");
  EXPECT_EQ(ProblemType(*missing), "urn:optin-edge:problem:not-found");
  auto wrong = client.Request("DELETE", "/hello");
  ASSERT_TRUE(wrong.has_value());
  EXPECT_EQ(wrong->result_int(), 405);
  EXPECT_EQ((*wrong)[testing::http::field::allow], "GET, HEAD");
  EXPECT_EQ(ProblemType(*wrong), "urn:optin-edge:problem:method-not-allowed");
}

TEST_F(HttpServerTest, ProblemBodyIsRfc9457OnTheWire) {
  StartServer();
  TestHttpClient client;
  ASSERT_TRUE(client.Connect(port_));
  auto response = client.Request("GET", "/nowhere");
  ASSERT_TRUE(response.has_value());
  boost::json::object body = boost::json::parse(response->body()).as_object();
  EXPECT_EQ(body.at("type").as_string(), "urn:optin-edge:problem:not-found");
  EXPECT_EQ(body.at("status").as_int64(), 404);
  EXPECT_TRUE(body.at("title").is_string());
  EXPECT_TRUE(body.at("detail").is_string());
}

TEST_F(HttpServerTest, OversizedBodyGets413Problem) {
  HttpServerOptions options;
  options.max_body_bytes = 1024;
  StartServer(options);
  TestHttpClient client;
  ASSERT_TRUE(client.Connect(port_));
  auto small = client.Request("POST", "/echo", std::string(1024, 's'));
  ASSERT_TRUE(small.has_value());
  EXPECT_EQ(small->result_int(), 200);
  EXPECT_EQ(small->body().size(), 1024u);

  auto large = client.Request("POST", "/echo", std::string(64 * 1024, 'x'));
  ASSERT_TRUE(large.has_value());
  EXPECT_EQ(large->result_int(), 413);
  EXPECT_EQ((*large)[testing::http::field::content_type], "application/problem+json");
  EXPECT_EQ(ProblemType(*large), "urn:optin-edge:problem:payload-too-large");
  EXPECT_FALSE(large->keep_alive());
  EXPECT_TRUE(client.WaitUntilClosed());
}

// Records what the router reports; the server's threads call it.
class LockedObserver : public RequestObserver {
 public:
  void OnRequest(std::string_view method, std::string_view pattern, int status,
                 std::chrono::nanoseconds) override {
    std::lock_guard lock(mu_);
    seen_.push_back(std::string(method) + " " + std::string(pattern) + " " +
                    std::to_string(status));
  }
  std::vector<std::string> seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> seen_;
};

TEST_F(HttpServerTest, TheObserverHearsRoutedRequestsAndThoseRefusedBeforeRouting) {
  LockedObserver observer;
  router_.SetObserver(&observer);
  HttpServerOptions options;
  options.max_body_bytes = 1024;
  StartServer(options);
  TestHttpClient client;
  ASSERT_TRUE(client.Connect(port_));
  auto item = client.Request("GET", "/items/subject-0042");
  ASSERT_TRUE(item.has_value());
  auto large = client.Request("POST", "/echo", std::string(64 * 1024, 'x'));
  ASSERT_TRUE(large.has_value());
  ASSERT_EQ(large->result_int(), 413);
  EXPECT_EQ(observer.seen(),
            (std::vector<std::string>{"GET /items/{id} 200",
                                      std::string(" ") + std::string(kUnmatchedRoute) + " 413"}));
}

TEST_F(HttpServerTest, OversizedHeaderGets431) {
  HttpServerOptions options;
  options.max_header_bytes = 1024;
  StartServer(options);
  TestHttpClient client;
  ASSERT_TRUE(client.Connect(port_));
  client.Send("GET /hello HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(4096, 'a') + "\r\n\r\n");
  auto response = client.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->result_int(), 431);
  EXPECT_EQ(ProblemType(*response), "urn:optin-edge:problem:headers-too-large");
  EXPECT_TRUE(client.WaitUntilClosed());
}

TEST_F(HttpServerTest, GarbageRequestGets400) {
  StartServer();
  TestHttpClient client;
  ASSERT_TRUE(client.Connect(port_));
  client.Send("\x01\x02 this is not http\r\n\r\n");
  auto response = client.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->result_int(), 400);
  EXPECT_EQ(ProblemType(*response), "urn:optin-edge:problem:bad-request-line");
  EXPECT_TRUE(client.WaitUntilClosed());
}

TEST_F(HttpServerTest, StalledRequestIsClosedAfterReadTimeout) {
  HttpServerOptions options;
  options.read_timeout = std::chrono::milliseconds(200);
  options.idle_timeout = std::chrono::minutes(10);
  StartServer(options);
  TestHttpClient client;
  ASSERT_TRUE(client.Connect(port_));
  client.Send("GET /hel");
  std::string received;
  EXPECT_TRUE(client.WaitUntilClosed(&received));
  EXPECT_EQ(received, "");  // closed quietly, without an answer
}

TEST_F(HttpServerTest, IdleKeepAliveConnectionIsClosed) {
  HttpServerOptions options;
  options.read_timeout = std::chrono::minutes(10);
  options.idle_timeout = std::chrono::milliseconds(200);
  StartServer(options);
  TestHttpClient client;
  ASSERT_TRUE(client.Connect(port_));
  auto response = client.Request("GET", "/hello");
  ASSERT_TRUE(response.has_value());
  EXPECT_TRUE(response->keep_alive());
  EXPECT_TRUE(client.WaitUntilClosed());
}

TEST_F(HttpServerTest, ResponderCompletedFromAnotherThreadReachesClient) {
  StartServer();
  TestHttpClient client;
  ASSERT_TRUE(client.Connect(port_));
  client.Send("GET /hold HTTP/1.1\r\nHost: t\r\n\r\n");
  std::shared_ptr<Responder> responder = HeldResponder();
  ASSERT_NE(responder, nullptr);
  std::thread worker([responder = std::move(responder)] {
    (*responder)(Response::Json(201, R"({"from":"worker"})"));
  });
  worker.join();
  auto response = client.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->result_int(), 201);
  EXPECT_EQ(response->body(), R"({"from":"worker"})");
  // The connection is still usable afterwards.
  auto next = client.Request("GET", "/hello");
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->result_int(), 200);
}

TEST_F(HttpServerTest, DroppedResponderAnswers500) {
  StartServer();
  TestHttpClient client;
  ASSERT_TRUE(client.Connect(port_));
  auto response = client.Request("GET", "/drop");
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->result_int(), 500);
  EXPECT_EQ((*response)[testing::http::field::content_type], "application/problem+json");
  EXPECT_EQ(ProblemType(*response), "urn:optin-edge:problem:internal");
}

TEST_F(HttpServerTest, ConnectionsBeyondLimitAreRefused) {
  HttpServerOptions options;
  options.max_connections = 1;
  StartServer(options);
  TestHttpClient first;
  ASSERT_TRUE(first.Connect(port_));
  auto ok = first.Request("GET", "/hello");  // the first connection is now surely active
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->result_int(), 200);

  TestHttpClient second;
  ASSERT_TRUE(second.Connect(port_));  // the kernel completes the handshake; we then refuse
  std::string received;
  EXPECT_TRUE(second.WaitUntilClosed(&received));
  EXPECT_TRUE(received.empty() || received.starts_with("HTTP/1.1 503")) << received;
  EXPECT_EQ(server_->stats().connections_refused, 1u);

  auto still_ok = first.Request("GET", "/hello");
  ASSERT_TRUE(still_ok.has_value());
  EXPECT_EQ(still_ok->result_int(), 200);
}

TEST_F(HttpServerTest, ShutdownLetsInFlightRequestFinish) {
  StartServer();
  TestHttpClient busy;
  ASSERT_TRUE(busy.Connect(port_));
  TestHttpClient idle;
  ASSERT_TRUE(idle.Connect(port_));
  ASSERT_TRUE(idle.Request("GET", "/hello").has_value());
  busy.Send("GET /hold HTTP/1.1\r\nHost: t\r\n\r\n");
  std::shared_ptr<Responder> responder = HeldResponder();
  ASSERT_NE(responder, nullptr);

  std::promise<void> done;
  server_->Shutdown([&] { done.set_value(); });
  auto done_future = done.get_future();
  // The idle connection is closed at once; this also proves Shutdown has run.
  EXPECT_TRUE(idle.WaitUntilClosed());
  TestHttpClient late;
  EXPECT_FALSE(late.Connect(port_));
  EXPECT_EQ(done_future.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);

  (*responder)(Response::Json(200, R"({"finished":true})"));
  auto response = busy.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->result_int(), 200);
  EXPECT_EQ(response->body(), R"({"finished":true})");
  EXPECT_FALSE(response->keep_alive());
  EXPECT_TRUE(busy.WaitUntilClosed());
  EXPECT_EQ(done_future.wait_for(kDeadline), std::future_status::ready);
  EXPECT_EQ(server_->stats().active_connections, 0u);
}

TEST_F(HttpServerTest, ShutdownWithoutConnectionsCallsDone) {
  StartServer();
  std::promise<void> done;
  server_->Shutdown([&] { done.set_value(); });
  EXPECT_EQ(done.get_future().wait_for(kDeadline), std::future_status::ready);
}

TEST_F(HttpServerTest, EveryShutdownCallGetsItsDone) {
  StartServer();
  std::promise<void> first;
  std::promise<void> second;
  server_->Shutdown([&] { first.set_value(); });
  EXPECT_EQ(first.get_future().wait_for(kDeadline), std::future_status::ready);
  server_->Shutdown([&] { second.set_value(); });
  EXPECT_EQ(second.get_future().wait_for(kDeadline), std::future_status::ready);
}

TEST_F(HttpServerTest, ListenOnBusyPortFailsWithClearMessage) {
  StartServer();
  HttpServerOptions options;
  options.address = "127.0.0.1";
  options.port = port_;
  HttpServer second(loop_, router_, options);
  Result<uint16_t> result = second.Listen();
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::kIo);
  EXPECT_EQ(result.error().message,
            "cannot listen on 127.0.0.1:" + std::to_string(port_) + ": Address already in use");
}

}  // namespace
}  // namespace optin::net::http_server_test
