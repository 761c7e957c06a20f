// HttpServer's per-address bounds over real loopback sockets: connections per client address
// (plain HTTP answers 429 beyond it), and TLS handshakes per address and per listener, where a
// newcomer evicts the least advanced stalled handshake instead of being refused. Loopback has
// 127.0.0.0/8, so a second client address is 127.0.0.2 (the client socket is bound to it).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "net/http_server.h"
#include "net/tls_stream.h"
#include "platform/log.h"
#include "test_pki.h"

namespace optin::net::http_server_fairness_test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using SteadyClock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using testing::TestPki;

// A TCP connection from `from` (a loopback address) to 127.0.0.1:port; -1 on failure.
int ConnectFrom(const char* from, uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in local{};
  local.sin_family = AF_INET;
  inet_pton(AF_INET, from, &local.sin_addr);
  sockaddr_in remote{};
  remote.sin_family = AF_INET;
  remote.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0 ||
      connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Reads until the peer closes or the deadline; returns what came, and whether it closed.
std::pair<std::string, bool> ReadUntilClosed(int fd, std::chrono::milliseconds within = 5s) {
  std::string data;
  const auto deadline = SteadyClock::now() + within;
  while (SteadyClock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    if (poll(&p, 1, static_cast<int>(std::max<int64_t>(left.count(), 0))) <= 0) break;
    char buf[4096];
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return {data, true};
    data.append(buf, static_cast<size_t>(n));
  }
  return {data, false};
}

// A TLS handshake from `from`, then GET /hello; true when it answered 200.
bool TlsHelloFrom(const char* from, uint16_t port) {
  int fd = ConnectFrom(from, port);
  if (fd < 0) return false;
  asio::io_context io;
  asio::ip::tcp::socket socket(io, asio::ip::tcp::v4(), fd);
  TlsStream stream(beast::tcp_stream(std::move(socket)), TestPki::Get().Client(), "localhost");
  stream.next_layer().expires_after(5s);
  boost::system::error_code handshake = asio::error::timed_out;
  stream.async_handshake([&](boost::system::error_code ec) { handshake = ec; });
  io.run();
  if (handshake) return false;
  io.restart();
  const std::string request = "GET /hello HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n";
  std::string answer;
  std::array<char, 4096> chunk;
  std::function<void()> read_more = [&] {
    stream.async_read_some(asio::buffer(chunk), [&](boost::system::error_code ec, size_t n) {
      answer.append(chunk.data(), n);
      if (!ec) read_more();
    });
  };
  asio::async_write(stream, asio::buffer(request), [&](boost::system::error_code ec, size_t) {
    if (!ec) read_more();
  });
  io.run();
  return answer.starts_with("HTTP/1.1 200");
}

// Polls `done` (a server statistic) until it holds or 5 s pass.
bool Eventually(const std::function<bool()>& done) {
  const auto deadline = SteadyClock::now() + 5s;
  while (!done()) {
    if (SteadyClock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

class HttpServerFairnessTest : public ::testing::Test {
 protected:
  HttpServerFairnessTest() {
    platform::log::SetMinLevel(platform::log::Level::kError);
    router_.Add("GET", "/hello", [](Request&&, Responder responder) {
      responder(Response::Json(200, R"({"hello":"world"})"));
    });
  }
  ~HttpServerFairnessTest() override {
    for (int fd : fds_) close(fd);
    loop_.Stop();
    if (runner_.joinable()) runner_.join();
    server_.reset();
  }

  void Start(HttpServerOptions options) {
    options.address = "127.0.0.1";
    options.port = 0;
    options.rate_limit.exempt = {};  // loopback is exempt by default; here it is the client
    server_ = std::make_unique<HttpServer>(loop_, router_, options);
    auto port = server_->Listen();
    ASSERT_TRUE(port.has_value()) << port.error().message;
    port_ = *port;
    runner_ = std::thread([this] { loop_.Run(2); });
  }

  int Open(const char* from) {
    int fd = ConnectFrom(from, port_);
    if (fd >= 0) fds_.push_back(fd);
    return fd;
  }

  EventLoop loop_;
  Router router_;
  std::unique_ptr<HttpServer> server_;
  std::thread runner_;
  uint16_t port_ = 0;
  std::vector<int> fds_;
};

TEST_F(HttpServerFairnessTest, APlainConnectionBeyondThePerAddressBoundGets429AndOthersAreServed) {
  HttpServerOptions options;
  options.max_connections_per_client = 2;
  Start(options);
  ASSERT_GE(Open("127.0.0.3"), 0);
  ASSERT_GE(Open("127.0.0.3"), 0);
  ASSERT_TRUE(Eventually([&] { return server_->stats().active_connections == 2; }));
  int third = Open("127.0.0.3");
  ASSERT_GE(third, 0);
  auto [answer, closed] = ReadUntilClosed(third);
  EXPECT_TRUE(closed);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 429")) << answer;
  EXPECT_NE(answer.find("urn:optin-edge:problem:too-many-connections"), std::string::npos);
  EXPECT_EQ(server_->stats().connections_refused_per_client, 1u);
  EXPECT_EQ(server_->stats().connections_refused, 0u);

  int other = Open("127.0.0.2");
  ASSERT_GE(other, 0);
  const std::string get = "GET /hello HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n";
  ASSERT_EQ(send(other, get.data(), get.size(), MSG_NOSIGNAL), static_cast<ssize_t>(get.size()));
  EXPECT_TRUE(ReadUntilClosed(other).first.starts_with("HTTP/1.1 200"));
}

TEST_F(HttpServerFairnessTest, AClosedConnectionGivesItsAddressItsPlaceBack) {
  HttpServerOptions options;
  options.max_connections_per_client = 1;
  Start(options);
  int first = Open("127.0.0.3");
  ASSERT_TRUE(Eventually([&] { return server_->stats().active_connections == 1; }));
  shutdown(first, SHUT_RDWR);
  ASSERT_TRUE(Eventually([&] { return server_->stats().active_connections == 0; }));
  int second = Open("127.0.0.3");
  const std::string get = "GET /hello HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n";
  ASSERT_EQ(send(second, get.data(), get.size(), MSG_NOSIGNAL), static_cast<ssize_t>(get.size()));
  EXPECT_TRUE(ReadUntilClosed(second).first.starts_with("HTTP/1.1 200"));
  EXPECT_EQ(server_->stats().connections_refused_per_client, 0u);
}

TEST_F(HttpServerFairnessTest, StalledHandshakesOfOneAddressNeverKeepAnotherAddressOut) {
  HttpServerOptions options;
  options.tls = TestPki::Get().Server();
  options.max_concurrent_handshakes = 8;
  options.max_handshakes_per_client = 3;
  options.handshake_timeout = 5min;  // only eviction can close them
  Start(options);
  for (int i = 0; i < 12; ++i) ASSERT_GE(Open("127.0.0.3"), 0);  // silent: never a ClientHello
  ASSERT_TRUE(Eventually([&] {
    return server_->stats().tls_handshakes_evicted_client_limit == 9 &&
           server_->stats().tls_handshakes_in_progress == 3;
  })) << server_->stats().tls_handshakes_evicted_client_limit;
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(TlsHelloFrom("127.0.0.2", port_)) << i;
  EXPECT_EQ(server_->stats().tls_handshakes_completed, 5u);
  EXPECT_EQ(server_->stats().tls_handshakes_evicted_listener_limit, 0u);
  EXPECT_EQ(server_->stats().tls_handshakes_failed, 0u);  // evictions are not failures
}

TEST_F(HttpServerFairnessTest, AFullListenerEvictsTheOldestStalledHandshakeForANewcomer) {
  HttpServerOptions options;
  options.tls = TestPki::Get().Server();
  options.max_concurrent_handshakes = 4;
  options.max_handshakes_per_client = 0;  // only the listener's bound
  options.handshake_timeout = 5min;
  Start(options);
  std::vector<int> stalled;
  for (int i = 0; i < 4; ++i) {
    stalled.push_back(Open("127.0.0.3"));
    ASSERT_TRUE(
        Eventually([&] { return server_->stats().tls_handshakes_in_progress == stalled.size(); }));
  }
  EXPECT_TRUE(TlsHelloFrom("127.0.0.2", port_));
  EXPECT_TRUE(ReadUntilClosed(stalled[0]).second) << "the oldest stalled handshake stays open";
  EXPECT_EQ(server_->stats().tls_handshakes_evicted_listener_limit, 1u);
  // The others are still waiting for their ClientHello.
  pollfd p{stalled[1], POLLIN, 0};
  EXPECT_EQ(poll(&p, 1, 0), 0);
}

}  // namespace
}  // namespace optin::net::http_server_fairness_test
