#include "net/https_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <optional>

#include "net/tls_stream.h"

namespace optin::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr std::chrono::milliseconds kMaxCloseNotify{1000};

std::string Millis(std::chrono::milliseconds ms) { return std::to_string(ms.count()) + " ms"; }

}  // namespace

// One request from start to finish; owns itself through the handlers it has pending.
class HttpsClient::Exchange : public std::enable_shared_from_this<HttpsClient::Exchange> {
 public:
  Exchange(asio::io_context& context, std::shared_ptr<const TlsClientConfig> tls,
           HttpsClientOptions options, std::string host, uint16_t port, HttpsRequest request,
           std::function<void(Result<Response>)> done)
      : strand_(asio::make_strand(context)),
        resolver_(strand_),
        resolve_timer_(strand_),
        stream_(beast::tcp_stream(strand_), std::move(tls), host),
        options_(options),
        host_(std::move(host)),
        port_(port),
        where_(host_ + ":" + std::to_string(port)),
        request_(std::move(request)),
        done_(std::move(done)) {}

  void Start() {
    asio::dispatch(strand_, [self = shared_from_this()] { self->Resolve(); });
  }

 private:
  void Resolve() {
    resolve_timer_.expires_after(options_.connect_timeout);
    resolve_timer_.async_wait([self = shared_from_this()](error_code ec) {
      if (!ec) {
        self->resolve_timed_out_ = true;
        self->resolver_.cancel();
      }
    });
    resolver_.async_resolve(
        host_, std::to_string(port_),
        [self = shared_from_this()](error_code ec, tcp::resolver::results_type results) {
          self->resolve_timer_.cancel();
          self->OnResolve(ec, std::move(results));
        });
  }

  void OnResolve(error_code ec, tcp::resolver::results_type results) {
    if (resolve_timed_out_) {
      return Fail(ErrorCode::kUnavailable,
                  "resolving " + host_ + " timed out after " + Millis(options_.connect_timeout),
                  "timeout");
    }
    if (ec) {
      return Fail(ErrorCode::kUnavailable, "cannot resolve " + host_ + ": " + ec.message(),
                  "resolve-failed");
    }
    beast::get_lowest_layer(stream_).expires_after(options_.connect_timeout);
    beast::get_lowest_layer(stream_).async_connect(
        results, [self = shared_from_this()](error_code connect_ec, const tcp::endpoint&) {
          self->OnConnect(connect_ec);
        });
  }

  void OnConnect(error_code ec) {
    if (ec == beast::error::timeout) {
      return Fail(
          ErrorCode::kUnavailable,
          "connecting to " + where_ + " timed out after " + Millis(options_.connect_timeout),
          "timeout");
    }
    if (ec == asio::error::connection_refused) {
      return Fail(ErrorCode::kUnavailable, "connection refused by " + where_, "connection-refused");
    }
    if (ec) {
      return Fail(ErrorCode::kUnavailable, "cannot connect to " + where_ + ": " + ec.message(),
                  "connect-failed");
    }
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().set_option(tcp::no_delay(true), ignored);
    beast::get_lowest_layer(stream_).expires_after(options_.handshake_timeout);
    stream_.async_handshake(
        [self = shared_from_this()](error_code handshake_ec) { self->OnHandshake(handshake_ec); });
  }

  void OnHandshake(error_code ec) {
    if (ec) {
      uint32_t flags = stream_.verify_flags();
      if (flags != 0 && flags != UINT32_MAX) {
        return Fail(
            ErrorCode::kUnauthenticated,
            "the TLS certificate of " + where_ + " was refused: " + VerifyFailureText(flags),
            "tls-certificate");
      }
      if (ec == beast::error::timeout) {
        return Fail(ErrorCode::kUnavailable,
                    "TLS handshake with " + where_ + " timed out after " +
                        Millis(options_.handshake_timeout),
                    "timeout");
      }
      std::string_view reason = TlsFailureReason(ec);
      std::string hint;
      if (reason == "peer-alert") hint = " (the server may not accept our client certificate)";
      if (reason == "peer-closed") hint = " (the server closed the connection)";
      return Fail(&ec.category() == &tls_category() ? ErrorCode::kCrypto : ErrorCode::kUnavailable,
                  "TLS handshake with " + where_ + " failed: " + ec.message() + hint,
                  "tls-handshake");
    }
    message_.method_string(request_.method);
    message_.target(request_.target);
    message_.version(11);
    for (auto& [name, value] : request_.headers) message_.insert(name, value);
    message_.set(http::field::host, host_);
    message_.body() = std::move(request_.body);
    message_.keep_alive(false);
    message_.prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(options_.read_timeout);
    http::async_write(stream_, message_, [self = shared_from_this()](error_code write_ec, size_t) {
      self->OnWrite(write_ec);
    });
  }

  void OnWrite(error_code ec) {
    if (ec) return FailIo("sending the request to " + where_, ec);
    parser_.emplace();
    parser_->body_limit(options_.max_response_bytes);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](error_code read_ec, size_t) { self->OnRead(read_ec); });
  }

  void OnRead(error_code ec) {
    if (ec == http::error::body_limit) {
      return Fail(ErrorCode::kResourceExhausted,
                  "the response from " + where_ + " is larger than " +
                      std::to_string(options_.max_response_bytes) + " bytes",
                  "response-too-large");
    }
    if (ec) return FailIo("reading the response from " + where_, ec);
    auto message = parser_->release();
    Response response;
    response.status = static_cast<int>(message.result_int());
    response.content_type = std::string(message[http::field::content_type]);
    for (const auto& field : message) {
      response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    response.body = std::move(message.body());
    Deliver(std::move(response));
    // Close politely; the result no longer depends on it.
    beast::get_lowest_layer(stream_).expires_after(kMaxCloseNotify);
    stream_.async_shutdown([self = shared_from_this()](error_code) {
      beast::get_lowest_layer(self->stream_).close();
    });
  }

  void FailIo(const std::string& what, error_code ec) {
    if (ec == beast::error::timeout) {
      return Fail(ErrorCode::kUnavailable,
                  what + " timed out after " + Millis(options_.read_timeout), "timeout");
    }
    return Fail(ErrorCode::kUnavailable, what + " failed: " + ec.message(), "io");
  }

  void Fail(ErrorCode code, std::string message, std::string reason) {
    beast::get_lowest_layer(stream_).close();
    Deliver(std::unexpected(Error{code, std::move(message), {}, std::move(reason)}));
  }

  void Deliver(Result<Response> result) {
    if (!done_) return;
    auto done = std::move(done_);
    done_ = nullptr;
    done(std::move(result));
  }

  asio::strand<asio::io_context::executor_type> strand_;
  tcp::resolver resolver_;
  asio::steady_timer resolve_timer_;
  TlsStream stream_;
  HttpsClientOptions options_;
  std::string host_;
  uint16_t port_;
  std::string where_;
  HttpsRequest request_;
  std::function<void(Result<Response>)> done_;
  bool resolve_timed_out_ = false;
  http::request<http::string_body> message_;
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::string_body>> parser_;
};

HttpsClient::HttpsClient(EventLoop& loop, std::shared_ptr<const TlsClientConfig> tls,
                         HttpsClientOptions options)
    : context_(loop.native()), tls_(std::move(tls)), options_(options) {}

void HttpsClient::Request(std::string host, uint16_t port, HttpsRequest request,
                          std::function<void(Result<Response>)> done) {
  std::make_shared<Exchange>(*static_cast<asio::io_context*>(context_), tls_, options_,
                             std::move(host), port, std::move(request), std::move(done))
      ->Start();
}

}  // namespace optin::net
