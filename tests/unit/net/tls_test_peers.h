// In-process TLS peers for the net tests: TlsEchoServer (accepts on loopback, handshakes with
// our TlsStream, echoes until the peer closes, records every connection's outcome) and
// TlsTestClient (our TlsStream as a client; each call runs its own io_context with a deadline,
// so a broken peer fails a test instead of hanging it). Not thread-safe; one per test.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "net/tls_stream.h"

namespace optin::net::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

inline constexpr std::chrono::seconds kTlsDeadline{10};

class TlsEchoServer {
 public:
  struct Outcome {
    boost::system::error_code handshake;  // the handshake's result
    boost::system::error_code end;        // how the echo loop ended (eof: clean)
    std::string version;
    std::string ciphersuite;
    bool peer_cert_verified = false;
    std::string peer_cert_der;  // the client's certificate as the server holds it
  };

  explicit TlsEchoServer(std::shared_ptr<const TlsServerConfig> config)
      : config_(std::move(config)),
        work_(io_.get_executor()),
        acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    Accept();
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { io_.run(); });
  }

  ~TlsEchoServer() {
    asio::post(io_, [this] { acceptor_.close(); });
    work_.reset();
    io_.stop();
    for (auto& thread : threads_) thread.join();
  }

  uint16_t port() const { return port_; }

  // Waits until `count` connections have ended; returns their outcomes (in order of ending).
  std::vector<Outcome> WaitForOutcomes(size_t count) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, kTlsDeadline, [&] { return outcomes_.size() >= count; });
    return outcomes_;
  }

 private:
  struct Session : std::enable_shared_from_this<Session> {
    Session(TlsEchoServer& s, tcp::socket socket)
        : server(s), stream(beast::tcp_stream(std::move(socket)), s.config_) {}

    void Start() {
      stream.next_layer().expires_after(kTlsDeadline);
      stream.async_handshake([self = shared_from_this()](boost::system::error_code ec) {
        self->outcome.handshake = ec;
        if (ec) return self->End(ec);
        self->outcome.version = self->stream.protocol_version();
        self->outcome.ciphersuite = self->stream.ciphersuite();
        self->outcome.peer_cert_verified = self->stream.peer_certificate_verified();
        self->outcome.peer_cert_der = self->stream.peer_certificate_der();
        self->Read();
      });
    }
    void Read() {
      stream.next_layer().expires_after(kTlsDeadline);
      stream.async_read_some(
          asio::buffer(data), [self = shared_from_this()](boost::system::error_code ec, size_t n) {
            if (ec) return self->End(ec);
            asio::async_write(self->stream, asio::buffer(self->data.data(), n),
                              [self](boost::system::error_code write_ec, size_t) {
                                if (write_ec) return self->End(write_ec);
                                self->Read();
                              });
          });
    }
    void End(boost::system::error_code ec) {
      outcome.end = ec;
      if (ec == asio::error::eof) {
        // Answer the peer's close_notify with ours, then close.
        stream.async_shutdown([self = shared_from_this()](boost::system::error_code) {
          self->stream.next_layer().close();
          self->server.Record(self->outcome);
        });
        return;
      }
      stream.next_layer().close();
      server.Record(outcome);
    }

    TlsEchoServer& server;
    TlsStream stream;
    std::array<char, 8192> data;
    Outcome outcome;
  };

  void Accept() {
    acceptor_.async_accept(asio::make_strand(io_),
                           [this](boost::system::error_code ec, tcp::socket socket) {
                             if (ec) return;
                             std::make_shared<Session>(*this, std::move(socket))->Start();
                             Accept();
                           });
  }

  void Record(const Outcome& outcome) {
    std::lock_guard lock(mutex_);
    outcomes_.push_back(outcome);
    changed_.notify_all();
  }

  std::shared_ptr<const TlsServerConfig> config_;
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Outcome> outcomes_;  // GUARDED_BY(mutex_)
};

class TlsTestClient {
 public:
  explicit TlsTestClient(std::shared_ptr<const TlsClientConfig> config,
                         std::string server_name = "localhost")
      : stream_(beast::tcp_stream(io_), std::move(config), std::move(server_name)) {}

  // Connects and handshakes; returns the handshake's result.
  boost::system::error_code Connect(uint16_t port) {
    boost::system::error_code ec;
    stream_.next_layer().socket().connect({asio::ip::make_address("127.0.0.1"), port}, ec);
    if (ec) return ec;
    ec = asio::error::timed_out;
    stream_.next_layer().expires_after(kTlsDeadline);
    stream_.async_handshake([&](boost::system::error_code result) { ec = result; });
    Run();
    return ec;
  }

  boost::system::error_code Write(std::string_view data) {
    boost::system::error_code ec = asio::error::timed_out;
    stream_.next_layer().expires_after(kTlsDeadline);
    asio::async_write(stream_, asio::buffer(data.data(), data.size()),
                      [&](boost::system::error_code result, size_t) { ec = result; });
    Run();
    return ec;
  }

  // Reads exactly `n` bytes (or fails).
  boost::system::error_code ReadExactly(size_t n, std::string* out) {
    out->assign(n, '\0');
    boost::system::error_code ec = asio::error::timed_out;
    stream_.next_layer().expires_after(kTlsDeadline);
    asio::async_read(stream_, asio::buffer(out->data(), n),
                     [&](boost::system::error_code result, size_t) { ec = result; });
    Run();
    return ec;
  }

  // Reads until an error; returns it (eof for a clean close_notify).
  boost::system::error_code ReadUntilError(std::string* received = nullptr) {
    boost::system::error_code ec = asio::error::timed_out;
    stream_.next_layer().expires_after(kTlsDeadline);
    std::function<void()> more = [&] {
      stream_.async_read_some(asio::buffer(chunk_),
                              [&](boost::system::error_code result, size_t n) {
                                if (received != nullptr) received->append(chunk_.data(), n);
                                if (result) {
                                  ec = result;
                                  return;
                                }
                                more();
                              });
    };
    more();
    Run();
    return ec;
  }

  boost::system::error_code Shutdown() {
    boost::system::error_code ec = asio::error::timed_out;
    stream_.next_layer().expires_after(kTlsDeadline);
    stream_.async_shutdown([&](boost::system::error_code result) { ec = result; });
    Run();
    return ec;
  }

  std::optional<http::response<http::string_body>> Request(std::string_view method,
                                                           std::string_view target,
                                                           std::string body = {},
                                                           bool keep_alive = true) {
    http::request<http::string_body> request{http::string_to_verb(method), target, 11};
    request.set(http::field::host, "localhost");
    request.body() = std::move(body);
    request.keep_alive(keep_alive);
    request.prepare_payload();
    boost::system::error_code ec = asio::error::timed_out;
    stream_.next_layer().expires_after(kTlsDeadline);
    http::async_write(stream_, request,
                      [&](boost::system::error_code result, size_t) { ec = result; });
    Run();
    if (ec) return std::nullopt;
    http::response<http::string_body> response;
    ec = asio::error::timed_out;
    stream_.next_layer().expires_after(kTlsDeadline);
    http::async_read(stream_, buffer_, response,
                     [&](boost::system::error_code result, size_t) { ec = result; });
    Run();
    if (ec) return std::nullopt;
    return response;
  }

  TlsStream& stream() { return stream_; }
  asio::io_context& io() { return io_; }
  void Run() {
    io_.restart();
    io_.run();
  }

 private:
  asio::io_context io_;
  TlsStream stream_;
  beast::flat_buffer buffer_;
  std::array<char, 4096> chunk_;
};

}  // namespace optin::net::testing
