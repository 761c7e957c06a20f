// A small synchronous WebSocket client for tests (plain or over TlsStream): every operation
// runs on the client's own io_context until it completes or its deadline passes, when the
// socket is closed and the operation reports timed_out; so a broken server fails a test
// instead of hanging it. Not thread-safe: one test thread drives it.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "net/tls_stream.h"

namespace optin::net::testing {

inline constexpr std::chrono::seconds kWebSocketDeadline{5};

template <class Stream>
class BasicTestWebSocketClient {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  BasicTestWebSocketClient() requires(!kTls) : ws_(std::in_place, io_) {}
  explicit BasicTestWebSocketClient(std::shared_ptr<const TlsClientConfig> tls) requires(kTls)
      : ws_(std::in_place, boost::beast::tcp_stream(io_), std::move(tls), "localhost") {}

  // TCP connect, the TLS handshake when over TLS, then the WebSocket upgrade of `target`.
  // On a refused upgrade, `response` (when given) gets the server's HTTP answer.
  boost::beast::error_code Connect(uint16_t port, const std::string& target = "/ws",
                                   boost::beast::websocket::response_type* response = nullptr) {
    auto ec = Run(kWebSocketDeadline, [&](auto done) {
      boost::beast::get_lowest_layer(*ws_).async_connect(
          boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port), done);
    });
    if (ec) return ec;
    if constexpr (kTls) {
      ec = Run(kWebSocketDeadline, [&](auto done) { ws_->next_layer().async_handshake(done); });
      if (ec) return ec;
    }
    boost::beast::websocket::response_type ignored;
    return Run(kWebSocketDeadline, [&](auto done) {
      ws_->async_handshake(response != nullptr ? *response : ignored, "localhost", target, done);
    });
  }

  boost::beast::error_code Send(const std::string& text,
                                std::chrono::milliseconds deadline = kWebSocketDeadline) {
    ws_->text(true);
    return Run(deadline, [&](auto done) {
      ws_->async_write(boost::asio::buffer(text),
                       [done](boost::beast::error_code ec, size_t) { done(ec); });
    });
  }

  // The next message, or nothing when the connection ended or the deadline passed (error()
  // says which; after a close frame, close_reason() has the server's code and reason).
  std::optional<std::string> Read(std::chrono::milliseconds deadline = kWebSocketDeadline) {
    buffer_.consume(buffer_.size());
    error_ = Run(deadline, [&](auto done) {
      ws_->async_read(buffer_, [done](boost::beast::error_code ec, size_t) { done(ec); });
    });
    if (error_) return std::nullopt;
    return boost::beast::buffers_to_string(buffer_.data());
  }

  // Reads and discards messages until the connection ends; true when it ended (cleanly or
  // not) before the deadline. `messages` counts what arrived meanwhile.
  bool ReadUntilClosed(std::chrono::milliseconds deadline = kWebSocketDeadline,
                       size_t* messages = nullptr) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (true) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      if (!Read(left)) return error_ != boost::asio::error::timed_out;
      if (messages != nullptr) ++*messages;
    }
  }

  boost::beast::error_code Close(uint16_t code = 1000) {
    return Run(kWebSocketDeadline, [&](auto done) {
      ws_->async_close(boost::beast::websocket::close_reason(code), done);
    });
  }

  const boost::beast::error_code& error() const { return error_; }
  // The close frame the server sent (code 0 when none arrived).
  boost::beast::websocket::close_reason close_reason() const { return ws_->reason(); }
  boost::beast::websocket::stream<Stream>& stream() { return *ws_; }

 private:
  // Starts an operation with a completion `done(ec)`, runs the io_context until it completes
  // or `deadline` passes (then the socket is closed and the result is timed_out).
  template <class Start>
  boost::beast::error_code Run(std::chrono::milliseconds deadline, Start start) {
    bool finished = false;
    boost::beast::error_code result;
    start([&finished, &result](boost::beast::error_code ec) {
      result = ec;
      finished = true;
    });
    io_.restart();
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (!finished && io_.run_one_until(until) > 0) {
    }
    if (finished) return result;
    if (!finished) {
      boost::beast::error_code ignored;
      boost::beast::get_lowest_layer(*ws_).socket().close(ignored);
      io_.restart();
      while (!finished && io_.run_one() > 0) {
      }
    }
    return boost::asio::error::timed_out;
  }

  boost::asio::io_context io_;
  std::optional<boost::beast::websocket::stream<Stream>> ws_;
  boost::beast::flat_buffer buffer_;
  boost::beast::error_code error_;
};

using TestWebSocketClient = BasicTestWebSocketClient<boost::beast::tcp_stream>;
using TestTlsWebSocketClient = BasicTestWebSocketClient<TlsStream>;

}  // namespace optin::net::testing
