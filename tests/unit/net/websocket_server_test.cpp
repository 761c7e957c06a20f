// WebSocket routes of the HttpServer, with real sockets and a Beast client: the upgrade (and
// the answers when there is nothing to upgrade to), echo, the message size limit, closing with
// a code after the queued messages, the bounded queue dropping a client that does not read, the
// idle timeout and keep-alive pings, timers on the connection's strand, closing with 1001 on
// Shutdown(), and all of it over TLS too.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <future>
#include <memory>
#include <thread>

#include "net/http_server.h"
#include "platform/log.h"
#include "test_http_client.h"
#include "test_pki.h"
#include "test_websocket_client.h"
#include "tests/unit/net/server_fixture.h"

namespace optin::net::websocket_server_test {
namespace {

using testing::kDeadline;
using testing::TestHttpClient;
using testing::TestPki;
using testing::TestTlsWebSocketClient;
using testing::TestWebSocketClient;
namespace websocket = boost::beast::websocket;

// Waits for a future with the tests' deadline; false when it did not become ready.
template <class T>
bool Ready(std::future<T>& future) {
  return future.wait_for(kDeadline) == std::future_status::ready;
}

class WebSocketServerTest : public testing::ServerFixture {
 protected:
  WebSocketServerTest() {
    platform::log::SetMinLevel(platform::log::Level::kError);
    // Echoes every message; "close" closes with 4001 after a goodbye; "tick" answers "tock"
    // from a timer 20 ms later, "later" answers "late" 1.2 s later.
    router_.AddWebSocket(
        "/ws", [this](const Request& request, std::shared_ptr<WebSocketConnection> connection) {
          paths_seen_.push_back(request.path);
          WebSocketConnection* raw = connection.get();
          connection->OnMessage([raw](std::string text) {
            if (text == "close") {
              raw->Send("goodbye");
              raw->Close(4001, "unauthorized");
            } else if (text == "tick") {
              raw->After(std::chrono::milliseconds(20), [raw] { raw->Send("tock"); });
            } else if (text == "later") {
              raw->After(std::chrono::milliseconds(1200), [raw] { raw->Send("late"); });
            } else {
              raw->Send(std::move(text));
            }
          });
          connection->OnClose([this] { closed_.set_value(); });
          connected_.set_value(std::move(connection));
        });
    router_.Add("GET", "/hello", [](Request&&, Responder responder) {
      responder(Response::Json(200, R"({"hello":"world"})"));
    });
  }

  // The server side of the connection the test opened, once its handler ran.
  std::shared_ptr<WebSocketConnection> ServerSide() {
    auto future = connected_.get_future();
    if (!Ready(future)) return nullptr;
    return future.get();
  }
  bool ServerSawClose() {
    auto future = closed_.get_future();
    return Ready(future);
  }

  std::vector<std::string> paths_seen_;
  std::promise<std::shared_ptr<WebSocketConnection>> connected_;
  std::promise<void> closed_;
};

TEST_F(WebSocketServerTest, UpgradesAndEchoesMessages) {
  StartServer();
  TestWebSocketClient client;
  ASSERT_FALSE(client.Connect(port_, "/ws?console=1"));
  for (const std::string& text : std::vector<std::string>{"one", "two", std::string(4000, 'x')}) {
    ASSERT_FALSE(client.Send(text));
    EXPECT_EQ(client.Read(), text);
  }
  ASSERT_NE(ServerSide(), nullptr);
  EXPECT_EQ(paths_seen_, std::vector<std::string>{"/ws"});
  EXPECT_FALSE(client.Close());
  EXPECT_TRUE(ServerSawClose());
}

TEST_F(WebSocketServerTest, UpgradeToAnUnknownPathGets404) {
  StartServer();
  TestWebSocketClient client;
  websocket::response_type response;
  auto ec = client.Connect(port_, "/nowhere", &response);
  EXPECT_EQ(ec, websocket::error::upgrade_declined);
  EXPECT_EQ(response.result_int(), 404);
}

TEST_F(WebSocketServerTest, PlainRequestToAWebSocketPathGets426) {
  StartServer();
  TestHttpClient client;
  ASSERT_TRUE(client.Connect(port_));
  auto response = client.Request("GET", "/ws");
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->result_int(), 426);
  EXPECT_EQ((*response)[testing::http::field::upgrade], "websocket");
  EXPECT_EQ(boost::json::parse(response->body()).at("type").as_string(),
            "urn:optin-edge:problem:upgrade-required");
  // The connection stays usable for ordinary requests.
  auto hello = client.Request("GET", "/hello");
  ASSERT_TRUE(hello.has_value());
  EXPECT_EQ(hello->result_int(), 200);
}

TEST_F(WebSocketServerTest, MessageLargerThanTheLimitClosesWith1009) {
  HttpServerOptions options;
  options.websocket.max_message_bytes = 1024;
  StartServer(options);
  TestWebSocketClient client;
  ASSERT_FALSE(client.Connect(port_));
  ASSERT_FALSE(client.Send(std::string(1025, 'x')));
  EXPECT_FALSE(client.Read().has_value());
  EXPECT_EQ(client.error(), websocket::error::closed) << client.error().message();
  EXPECT_EQ(client.close_reason().code, 1009);
  EXPECT_TRUE(ServerSawClose());
}

TEST_F(WebSocketServerTest, CloseSendsQueuedMessagesThenTheCodeAndReason) {
  StartServer();
  TestWebSocketClient client;
  ASSERT_FALSE(client.Connect(port_));
  ASSERT_FALSE(client.Send("close"));
  EXPECT_EQ(client.Read(), "goodbye");
  EXPECT_FALSE(client.Read().has_value());
  EXPECT_EQ(client.error(), websocket::error::closed) << client.error().message();
  EXPECT_EQ(client.close_reason().code, 4001);
  EXPECT_EQ(std::string(client.close_reason().reason.data(), client.close_reason().reason.size()),
            "unauthorized");
  EXPECT_TRUE(ServerSawClose());
}

TEST_F(WebSocketServerTest, TimersRunOnTheConnection) {
  StartServer();
  TestWebSocketClient client;
  ASSERT_FALSE(client.Connect(port_));
  ASSERT_FALSE(client.Send("tick"));
  EXPECT_EQ(client.Read(), "tock");
}

TEST_F(WebSocketServerTest, ClientThatStopsReadingIsDroppedOnceItsQueueIsFull) {
  HttpServerOptions options;
  options.websocket.max_queued_messages = 16;
  StartServer(options);
  TestWebSocketClient client;
  ASSERT_FALSE(client.Connect(port_));
  auto server_side = ServerSide();
  ASSERT_NE(server_side, nullptr);

  // The client reads nothing from here on: once the socket buffers are full, writes stall and
  // the queue fills up.
  const std::string chunk(64 * 1024, 'q');
  constexpr size_t kMaxMessages = 2000;  // 128 MiB: far beyond any socket buffer
  size_t pushed = 0;
  while (pushed < kMaxMessages && !server_side->closed()) {
    server_side->Send(chunk);
    ++pushed;
  }
  EXPECT_TRUE(server_side->closed()) << "pushed " << pushed << " messages";
  EXPECT_GT(pushed, options.websocket.max_queued_messages);
  ASSERT_TRUE(ServerSawClose());

  // What was already in the socket buffers arrives, then the connection ends without a close
  // frame.
  size_t received = 0;
  EXPECT_TRUE(client.ReadUntilClosed(kDeadline, &received));
  EXPECT_NE(client.error(), websocket::error::closed) << client.error().message();
  EXPECT_LT(received, pushed);
}

TEST_F(WebSocketServerTest, SilentClientIsClosedAfterTheIdleTimeout) {
  HttpServerOptions options;
  options.websocket.idle_timeout = std::chrono::milliseconds(300);
  StartServer(options);
  TestWebSocketClient client;
  ASSERT_FALSE(client.Connect(port_));
  // Not reading, the client never answers the server's ping either.
  EXPECT_TRUE(ServerSawClose());
}

TEST_F(WebSocketServerTest, ClientThatAnswersPingsStaysConnectedPastTheIdleTimeout) {
  HttpServerOptions options;
  options.websocket.idle_timeout = std::chrono::milliseconds(300);
  StartServer(options);
  TestWebSocketClient client;
  ASSERT_FALSE(client.Connect(port_));
  // The answer comes four idle periods later; meanwhile the pending read answers the server's
  // pings, and nothing else crosses the connection.
  ASSERT_FALSE(client.Send("later"));
  EXPECT_EQ(client.Read(), "late") << client.error().message();
}

TEST_F(WebSocketServerTest, ShutdownClosesWebSocketsWithGoingAway) {
  StartServer();
  TestWebSocketClient client;
  ASSERT_FALSE(client.Connect(port_));
  ASSERT_NE(ServerSide(), nullptr);
  std::promise<void> done;
  server_->Shutdown([&done] { done.set_value(); });
  EXPECT_FALSE(client.Read().has_value());
  EXPECT_EQ(client.error(), websocket::error::closed) << client.error().message();
  EXPECT_EQ(client.close_reason().code, 1001);
  auto finished = done.get_future();
  EXPECT_TRUE(Ready(finished)) << "Shutdown() never finished";
  EXPECT_EQ(server_->stats().active_connections, 0u);
}

TEST_F(WebSocketServerTest, UpgradesAndEchoesOverTls) {
  HttpServerOptions options;
  options.tls = TestPki::Get().Server();
  StartServer(options);
  TestTlsWebSocketClient client(TestPki::Get().Client());
  ASSERT_FALSE(client.Connect(port_));
  for (const std::string& text : std::vector<std::string>{"one", std::string(4000, 'y')}) {
    ASSERT_FALSE(client.Send(text));
    EXPECT_EQ(client.Read(), text);
  }
  ASSERT_FALSE(client.Send("close"));
  EXPECT_EQ(client.Read(), "goodbye");
  EXPECT_FALSE(client.Read().has_value());
  EXPECT_EQ(client.close_reason().code, 4001);
  EXPECT_TRUE(ServerSawClose());
}

TEST_F(WebSocketServerTest, ShutdownClosesTlsWebSocketsWithGoingAway) {
  HttpServerOptions options;
  options.tls = TestPki::Get().Server();
  StartServer(options);
  TestTlsWebSocketClient client(TestPki::Get().Client());
  ASSERT_FALSE(client.Connect(port_));
  ASSERT_NE(ServerSide(), nullptr);
  std::promise<void> done;
  server_->Shutdown([&done] { done.set_value(); });
  EXPECT_FALSE(client.Read().has_value());
  EXPECT_EQ(client.error(), websocket::error::closed) << client.error().message();
  EXPECT_EQ(client.close_reason().code, 1001);
  auto finished = done.get_future();
  EXPECT_TRUE(Ready(finished)) << "Shutdown() never finished";
}

TEST_F(WebSocketServerTest, ClientThatStopsReadingOverTlsIsDropped) {
  HttpServerOptions options;
  options.tls = TestPki::Get().Server();
  options.websocket.max_queued_messages = 16;
  StartServer(options);
  TestTlsWebSocketClient client(TestPki::Get().Client());
  ASSERT_FALSE(client.Connect(port_));
  auto server_side = ServerSide();
  ASSERT_NE(server_side, nullptr);
  const std::string chunk(64 * 1024, 'q');
  size_t pushed = 0;
  while (pushed < 2000 && !server_side->closed()) {
    server_side->Send(chunk);
    ++pushed;
  }
  EXPECT_TRUE(server_side->closed());
  EXPECT_TRUE(ServerSawClose());
}

}  // namespace
}  // namespace optin::net::websocket_server_test
