// The HTTP ceiling on this box: a bare Boost.Beast keep-alive server (not optin's HttpServer)
// that answers every request with {"ok":true}. Compare http_load figures against it.
//   bare_server --port 0 --threads 1   prints "listening <port>", runs until SIGINT/SIGTERM.
#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  explicit Session(tcp::socket socket) : socket_(std::move(socket)) {}

  void Read() {
    request_ = {};
    http::async_read(socket_, buffer_, request_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (ec) return;  // closed, reset or malformed: drop the connection
                       self->Write();
                     });
  }

 private:
  void Write() {
    response_ = {};
    response_.result(http::status::ok);
    response_.version(request_.version());
    response_.set(http::field::server, "bare");
    response_.set(http::field::content_type, "application/json");
    response_.body() = R"({"ok":true})";
    response_.keep_alive(request_.keep_alive());
    response_.prepare_payload();
    http::async_write(socket_, response_,
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        if (ec || !self->response_.keep_alive()) {
                          beast::error_code ignored;
                          self->socket_.shutdown(tcp::socket::shutdown_send, ignored);
                          return;
                        }
                        self->Read();
                      });
  }

  tcp::socket socket_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(asio::io_context& context, tcp::acceptor acceptor, bool strands)
      : context_(context), acceptor_(std::move(acceptor)), strands_(strands) {}

  void Accept() {
    auto handler = [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) {
        socket.set_option(tcp::no_delay(true), ec);
        std::make_shared<Session>(std::move(socket))->Read();
      }
      self->Accept();
    };
    // With one thread no strand is needed; with several, each connection gets its own.
    if (strands_) {
      acceptor_.async_accept(asio::make_strand(context_), handler);
    } else {
      acceptor_.async_accept(context_, handler);
    }
  }

 private:
  asio::io_context& context_;
  tcp::acceptor acceptor_;
  bool strands_;
};

[[noreturn]] void Usage() {
  std::fprintf(stderr, "usage: bare_server [--port N] [--threads N] [--address A]\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  unsigned port = 0;
  int threads = 1;
  std::string address = "127.0.0.1";
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (i + 1 >= argc) Usage();
    if (arg == "--port") {
      port = static_cast<unsigned>(std::atoi(argv[++i]));
    } else if (arg == "--threads") {
      threads = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--address") {
      address = argv[++i];
    } else {
      Usage();
    }
  }

  asio::io_context context(threads);
  tcp::endpoint endpoint(asio::ip::make_address(address), static_cast<uint16_t>(port));
  tcp::acceptor acceptor(context);
  beast::error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::fprintf(stderr, "bare_server: cannot listen on %s:%u: %s\n", address.c_str(), port,
                 ec.message().c_str());
    return 1;
  }
  uint16_t bound = acceptor.local_endpoint().port();
  std::make_shared<Listener>(context, std::move(acceptor), threads > 1)->Accept();

  asio::signal_set signals(context, SIGINT, SIGTERM);
  signals.async_wait([&](beast::error_code, int) { context.stop(); });

  std::printf("listening %u\n", static_cast<unsigned>(bound));
  std::fflush(stdout);

  std::vector<std::thread> extra;
  for (int i = 1; i < threads; ++i) extra.emplace_back([&] { context.run(); });
  context.run();
  for (std::thread& thread : extra) thread.join();
  return 0;
}
