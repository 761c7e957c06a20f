// A small synchronous HTTP client for the net tests: every operation runs on its own
// io_context with a deadline, so a broken server fails a test instead of hanging it.
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace optin::net::testing {

namespace beast = boost::beast;
namespace http = boost::beast::http;

inline constexpr std::chrono::seconds kDeadline{5};

class TestHttpClient {
 public:
  TestHttpClient() : stream_(io_) {}

  // True when connected.
  bool Connect(uint16_t port) {
    beast::error_code ec;
    stream_.socket().connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
    return !ec;
  }

  void Send(std::string_view raw) {
    beast::error_code ec;
    boost::asio::write(stream_.socket(), boost::asio::buffer(raw.data(), raw.size()), ec);
  }

  // Reads one response; nullopt on error, end of stream or deadline.
  std::optional<http::response<http::string_body>> ReadResponse() {
    http::response<http::string_body> response;
    beast::error_code result = boost::asio::error::timed_out;
    stream_.expires_after(kDeadline);
    http::async_read(stream_, buffer_, response,
                     [&](beast::error_code ec, size_t) { result = ec; });
    RunIo();
    if (result) return std::nullopt;
    return response;
  }

  std::optional<http::response<http::string_body>> Request(std::string_view method,
                                                           std::string_view target,
                                                           std::string_view body = {}) {
    std::string raw = std::string(method) + " " + std::string(target) +
                      " HTTP/1.1\r\nHost: test\r\nContent-Length: " + std::to_string(body.size()) +
                      "\r\n\r\n" + std::string(body);
    Send(raw);
    return ReadResponse();
  }

  // Reads until the server closes the connection; true if it did so before the deadline.
  // `received` gets whatever arrived meanwhile.
  bool WaitUntilClosed(std::string* received = nullptr) {
    std::string data(static_cast<const char*>(buffer_.data().data()), buffer_.size());
    buffer_.consume(buffer_.size());
    bool closed = false;
    bool done = false;
    char chunk[4096];
    stream_.expires_after(kDeadline);
    std::function<void()> read_more = [&] {
      stream_.async_read_some(boost::asio::buffer(chunk), [&](beast::error_code ec, size_t n) {
        data.append(chunk, n);
        if (!ec) {
          read_more();
          return;
        }
        done = true;
        closed = ec != beast::error::timeout;
      });
    };
    read_more();
    RunIo();
    if (received != nullptr) *received = std::move(data);
    return done && closed;
  }

 private:
  void RunIo() {
    io_.restart();
    io_.run();
  }

  boost::asio::io_context io_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
};

}  // namespace optin::net::testing
