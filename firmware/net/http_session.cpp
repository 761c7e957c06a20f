#include "net/http_session.h"

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "net/request_from_beast.h"
#include "net/websocket_handshake.h"
#include "net/websocket_session.h"

namespace optin::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;

namespace {

constexpr size_t kReadChunk = 4096;
constexpr std::chrono::milliseconds kMaxLinger{2000};
// How long a closing TLS connection may take to send its close_notify.
constexpr std::chrono::milliseconds kMaxCloseNotify{1000};

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

bool IsHttpError(const beast::error_code& ec) {
  return &ec.category() == &http::make_error_code(http::error::end_of_stream).category();
}

std::string_view View(const beast::flat_buffer& buffer) {
  return {static_cast<const char*>(buffer.data().data()), buffer.size()};
}

}  // namespace
template <class Stream>
Stream HttpSession<Stream>::MakeStream(asio::ip::tcp::socket socket,
                                       std::shared_ptr<const TlsServerConfig> tls) {
  if constexpr (kTls) {
    return TlsStream(beast::tcp_stream(std::move(socket)), std::move(tls));
  } else {
    return beast::tcp_stream(std::move(socket));
  }
}

template <class Stream>
HttpSession<Stream>::HttpSession(asio::ip::tcp::socket socket, std::shared_ptr<SessionOwner> owner,
                                 std::shared_ptr<const TlsServerConfig> tls)
    : stream_(MakeStream(std::move(socket), std::move(tls))), owner_(std::move(owner)) {
  beast::error_code ec;
  auto endpoint = lowest().socket().remote_endpoint(ec);
  if (!ec) remote_address_ = endpoint.address().to_string();
}
template <class Stream>
HttpSession<Stream>::~HttpSession() {
  owner_->OnSessionClosed(this);
}

template <class Stream>
void HttpSession<Stream>::Start() {
  asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
    if constexpr (kTls) {
      self->Handshake();
    } else {
      self->WaitForRequest();
    }
  });
}

// A handshake must finish within handshake_timeout; garbage fails it at the first record.
template <class Stream>
void HttpSession<Stream>::Handshake() {
  if constexpr (kTls) {
    state_ = State::kHandshaking;
    lowest().expires_after(owner_->options()->handshake_timeout);
    stream_.async_handshake(
        [self = this->shared_from_this()](beast::error_code ec) { self->OnHandshake(ec); });
  }
}

template <class Stream>
void HttpSession<Stream>::OnHandshake(beast::error_code ec) {
  if constexpr (kTls) {
    owner_->OnHandshakeDone(ec ? TlsFailureReason(ec) : std::string_view());
    if (ec) {
      Close();
      return;
    }
    if (state_ == State::kClosed) return;
    WaitForRequest();
  }
}

template <class Stream>
void HttpSession<Stream>::CloseWhenIdle() {
  asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
    if (self->state_ == State::kWaiting) {
      self->CloseGracefully();
    } else if (self->state_ == State::kHandshaking) {
      self->Close();
    } else if (self->state_ == State::kUpgraded) {
      if (auto websocket = self->websocket_.lock()) websocket->GoingAway();
    } else {
      // A request is under way: answer it, then close (WaitForRequest sees shutting_down).
      self->keep_alive_ = false;
    }
  });
}

// Timeouts: a connection waiting for the first byte of a request gets `read_timeout` for its
// first request (a fresh connection is expected to send one right away) and `idle_timeout`
// between requests on a kept-alive connection. Once the first bytes of a request are in, the
// whole rest of the request must arrive within `read_timeout`.
template <class Stream>
void HttpSession<Stream>::WaitForRequest() {
  if (owner_->shutting_down()) {
    CloseGracefully();
    return;
  }
  state_ = State::kWaiting;
  parser_.emplace();
  head_.reset();
  head_request_ = false;
  if (buffer_.size() > 0) {  // the client already sent (part of) the next request
    ReadRequest();
    return;
  }
  lowest().expires_after(first_request_ ? owner_->options()->read_timeout
                                        : owner_->options()->idle_timeout);
  stream_.async_read_some(buffer_.prepare(kReadChunk),
                          [self = this->shared_from_this()](beast::error_code ec, size_t bytes) {
                            self->OnFirstBytes(ec, bytes);
                          });
}

template <class Stream>
void HttpSession<Stream>::OnFirstBytes(beast::error_code ec, size_t bytes) {
  if (ec == asio::error::eof) {  // the client closed (over TLS: with close_notify)
    CloseGracefully();
    return;
  }
  if (ec) {  // timeout, reset, truncation or our own Close(): nothing to answer
    Close();
    return;
  }
  buffer_.commit(bytes);
  ReadRequest();
}

template <class Stream>
void HttpSession<Stream>::ReadRequest() {
  state_ = State::kReading;
  first_request_ = false;
  // The limits in force when the request starts (they may change while a connection idles).
  const auto options = owner_->options();
  parser_->body_limit(options->max_body_bytes);
  parser_->header_limit(
      static_cast<uint32_t>(std::min<size_t>(options->max_header_bytes, UINT32_MAX)));
  lowest().expires_after(options->read_timeout);
  CheckHead();
}

template <class Stream>
void HttpSession<Stream>::CheckHead() {
  const std::string_view received = View(buffer_);
  head_request_ = received.starts_with("HEAD ");
  auto verdict = CheckHeaderBlock(received, owner_->options()->max_header_bytes);
  if (!verdict) {
    Refuse(verdict.error());
    return;
  }
  if (!verdict->has_value()) {
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = this->shared_from_this()](beast::error_code ec, size_t bytes) {
                              self->OnHeadBytes(ec, bytes);
                            });
    return;
  }
  head_ = **verdict;
  // Refused before the body is read (or sent, when the client waits for 100 Continue).
  if (head_->content_length > owner_->options()->max_body_bytes) {
    Refuse(Refusal{.status = 413,
                   .reason = "payload-too-large",
                   .detail = "The request body is larger than allowed."});
    return;
  }
  const bool body_expected = head_->chunked || head_->content_length > 0;
  if (head_->expect_continue && body_expected && buffer_.size() == head_->size) {
    asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                      [self = this->shared_from_this()](beast::error_code ec, size_t) {
                        if (ec) {
                          self->Close();
                        } else if (self->state_ == State::kReading) {
                          self->ReadMessage();
                        }
                      });
    return;
  }
  ReadMessage();
}

template <class Stream>
void HttpSession<Stream>::OnHeadBytes(beast::error_code ec, size_t bytes) {
  if (ec || state_ != State::kReading) {  // gone, timed out or closed: nothing to answer
    Close();
    return;
  }
  buffer_.commit(bytes);
  CheckHead();
}

template <class Stream>
void HttpSession<Stream>::ReadMessage() {
  http::async_read(stream_, buffer_, *parser_,
                   [self = this->shared_from_this()](beast::error_code ec, size_t bytes) {
                     self->OnRead(ec, bytes);
                   });
}

template <class Stream>
void HttpSession<Stream>::OnRead(beast::error_code ec, size_t) {
  if (!ec) {
    // Beast read the same head; should it ever frame the body otherwise, refuse.
    const auto length = parser_->content_length();
    if (parser_->chunked() != head_->chunked ||
        (!head_->chunked && length.value_or(0) != head_->content_length)) {
      Refuse(Refusal{.status = 400,
                     .reason = "bad-request",
                     .detail = "The request's framing could not be read one way only."});
      return;
    }
    Handle();
    return;
  }
  if (state_ == State::kClosed || ec == http::error::end_of_stream ||
      ec == http::error::partial_message || !IsHttpError(ec)) {
    Close();  // the peer went away, the read timed out, or the server closed us
    return;
  }
  AnswerParseError(ec);
}

template <class Stream>
void HttpSession<Stream>::AnswerParseError(beast::error_code ec) {
  if (ec == http::error::body_limit) {
    Refuse(Refusal{.status = 413,
                   .reason = "payload-too-large",
                   .detail = "The request body is larger than allowed."});
  } else if (ec == http::error::header_limit) {
    Refuse(Refusal{.status = 431,
                   .reason = "headers-too-large",
                   .detail = "The request headers are larger than allowed."});
  } else if (ec == http::error::bad_chunk || ec == http::error::bad_chunk_extension ||
             (head_ && head_->chunked && parser_->is_header_done())) {
    Refuse(Refusal{.status = 400,
                   .reason = "bad-chunk",
                   .detail = "The chunked body has a chunk size, extension or trailer that "
                             "does not parse."});
  } else {
    Refuse(Refusal{
        .status = 400, .reason = "bad-request", .detail = "The request is not valid HTTP/1.1."});
  }
}

template <class Stream>
void HttpSession<Stream>::Refuse(const Refusal& refusal, std::string_view method,
                                 std::string_view pattern) {
  keep_alive_ = false;
  close_after_error_ = true;
  state_ = State::kHandling;
  if (RequestObserver* observer = owner_->router().observer()) {
    observer->OnRequest(method, pattern, refusal.status, std::chrono::nanoseconds(0));
    observer->OnRefused(refusal.reason);
  }
  Response response = refusal.ToProblem();
  if (refusal.reason == "unsupported-websocket-version") {
    response.headers.emplace_back("Sec-WebSocket-Version", "13");
  }
  Write(std::move(response));
}

template <class Stream>
void HttpSession<Stream>::Handle() {
  state_ = State::kHandling;
  owner_->OnRequest();
  auto message = parser_->release();
  parser_.reset();
  version_ = message.version();
  if (!message.keep_alive()) keep_alive_ = false;

  Request request = RequestFromBeast(message);
  request.remote_address = remote_address_;
  if constexpr (kTls) {
    if (stream_.peer_certificate_verified()) {
      request.peer_certificate_der = stream_.peer_certificate_der();
    }
  }

  // Too many requests from this address (the public listener's rate limit): 429, and the
  // connection stays open.
  if (auto retry_after = owner_->Throttle(remote_address_)) {
    Response refused =
        Response::Problem(429, "urn:optin-edge:problem:rate-limited", "Too Many Requests",
                          "Too many requests from this address; retry later.");
    refused.headers.emplace_back("Retry-After", std::to_string(retry_after->count()));
    if (RequestObserver* observer = owner_->router().observer()) {
      observer->OnRequest(request.method, kUnmatchedRoute, 429, std::chrono::nanoseconds(0));
      observer->OnRefused("rate-limited");
    }
    Write(std::move(refused));
    return;
  }

  if (boost::beast::websocket::is_upgrade(message)) {
    auto route = owner_->router().FindWebSocket(
        std::string_view(request.target).substr(0, request.target.find('?')));
    if (route.handler != nullptr) {
      // A handshake Beast would refuse in plain text is refused here as a problem.
      if (auto refusal = CheckWebSocketHandshake(message)) {
        Refuse(*refusal, request.method, route.pattern);
        return;
      }
      request.params = std::move(route.params);
      // The route's own check (origin, credentials) answers before any upgrade.
      if (route.check != nullptr && *route.check) {
        if (std::optional<Response> refusal = (*route.check)(request)) {
          if (RequestObserver* observer = owner_->router().observer()) {
            observer->OnRequest(request.method, route.pattern, refusal->status,
                                std::chrono::nanoseconds(0));
            if (!refusal->problem.empty()) observer->OnProblem(route.pattern, refusal->problem);
          }
          keep_alive_ = false;
          Write(std::move(*refusal));
          return;
        }
      }
      if (RequestObserver* observer = owner_->router().observer()) {  // Upgrade() says why
        observer->OnRequest(request.method, route.pattern, owner_->shutting_down() ? 503 : 101,
                            std::chrono::nanoseconds(0));
      }
      Upgrade(std::move(message), std::move(request), *route.handler);
      return;
    }
  }

  // The sink may run on any thread, after the handler has returned: it holds the session and
  // hops back onto its strand (inline when the handler answers at once, on the strand: Write
  // only starts an operation, so running it inside the handler is safe).
  Responder responder([self = this->shared_from_this()](Response response) {
    asio::dispatch(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
      self->Write(std::move(response));
    });
  });
  // Work a handler hands back (a database completion: render, log, answer) runs on this
  // connection's strand, after the handler has returned.
  ScopedHandoff handoff([self = this->shared_from_this()](std::function<void()> work) {
    asio::post(self->stream_.get_executor(), std::move(work));
  });
  try {
    owner_->router().Dispatch(std::move(request), std::move(responder));
  } catch (...) {
    // The handler threw after taking the responder: its destructor has answered 500.
  }
}

// The WebSocketSession takes over the stream; this session stays alive (holding the stream and
// the connection's place in the server's count) as long as the WebSocket does.
template <class Stream>
void HttpSession<Stream>::Upgrade(http::request<http::string_body> message, Request request,
                                  const WebSocketHandler& handler) {
  if (owner_->shutting_down()) {
    keep_alive_ = false;
    Write(Response::Problem(503, "urn:optin-edge:problem:shutting-down", "Service Unavailable",
                            "The server is shutting down; reconnect in a moment."));
    return;
  }
  state_ = State::kUpgraded;
  parser_.reset();
  auto session = std::make_shared<WebSocketSession<Stream>>(
      stream_, this->shared_from_this(), owner_->options()->websocket,
      owner_->options()->server_name, handler, std::move(request));
  websocket_ = session;
  session->Start(std::move(message));
}

template <class Stream>
void HttpSession<Stream>::Write(Response response) {
  if (state_ != State::kHandling) return;  // closed meanwhile; a Responder is called once
  state_ = State::kWriting;
  head_serializer_.reset();
  response_ = {};
  response_.version(version_);
  if (response.status < 100 || response.status > 999) response.status = 500;
  response_.result(static_cast<unsigned>(response.status));
  response_.set(http::field::server, owner_->options()->server_name);
  response_.set(http::field::content_type, response.content_type);
  for (auto& [name, value] : response.headers) response_.insert(name, value);
  if constexpr (kTls) {
    for (const auto& [name, value] : owner_->router().tls_response_headers()) {
      response_.set(name, value);
    }
  }
  response_.body() = std::move(response.body);
  response_.keep_alive(keep_alive_ && !owner_->shutting_down());
  response_.prepare_payload();
  // The write gets the longer of the two timeouts: a slow reader must not hold us forever.
  lowest().expires_after(
      std::max(owner_->options()->read_timeout, owner_->options()->idle_timeout));
  if (head_request_) {  // Content-Length says what a GET would get; no body follows
    head_serializer_.emplace(response_);
    http::async_write_header(stream_, *head_serializer_,
                             [self = this->shared_from_this()](beast::error_code ec, size_t bytes) {
                               self->OnWrite(ec, bytes);
                             });
    return;
  }
  http::async_write(stream_, response_,
                    [self = this->shared_from_this()](beast::error_code ec, size_t bytes) {
                      self->OnWrite(ec, bytes);
                    });
}

template <class Stream>
void HttpSession<Stream>::OnWrite(beast::error_code ec, size_t) {
  if (ec) {
    Close();
    return;
  }
  if (close_after_error_) {
    LingeringClose();
    return;
  }
  if (!response_.keep_alive()) {
    CloseGracefully();
    return;
  }
  head_serializer_.reset();
  response_ = {};
  WaitForRequest();
}

// After an error answer the client may still be sending the rest of its request. Closing a
// socket with unread data makes the kernel send a reset, which can destroy our answer before
// the client reads it; so stop sending, then read and discard for a short while.
template <class Stream>
void HttpSession<Stream>::LingeringClose() {
  if constexpr (kTls) {
    lowest().expires_after(std::min(owner_->options()->read_timeout, kMaxCloseNotify));
    stream_.async_shutdown(
        [self = this->shared_from_this()](beast::error_code) { self->StopSendingAndDrain(); });
  } else {
    StopSendingAndDrain();
  }
}

// Drains the TCP connection itself: over TLS, what follows is ciphertext nobody will read.
template <class Stream>
void HttpSession<Stream>::StopSendingAndDrain() {
  beast::error_code ignored;
  lowest().socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  lowest().expires_after(std::min(owner_->options()->read_timeout, kMaxLinger));
  drain_buffer_.resize(kReadChunk);
  Drain();
}

template <class Stream>
void HttpSession<Stream>::Drain() {
  lowest().async_read_some(asio::buffer(drain_buffer_),
                           [self = this->shared_from_this()](beast::error_code ec, size_t) {
                             if (ec) {
                               self->Close();
                             } else {
                               self->Drain();
                             }
                           });
}

template <class Stream>
void HttpSession<Stream>::CloseGracefully() {
  if constexpr (kTls) {
    if (state_ == State::kClosed || !stream_.handshake_done()) {
      Close();
      return;
    }
    state_ = State::kClosed;
    // A read may still be pending (an idle connection): one read and one write may overlap.
    lowest().expires_after(std::min(owner_->options()->read_timeout, kMaxCloseNotify));
    stream_.async_shutdown(
        [self = this->shared_from_this()](beast::error_code) { self->CloseSocket(); });
  } else {
    Close();
  }
}

template <class Stream>
void HttpSession<Stream>::Close() {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  CloseSocket();
}

template <class Stream>
void HttpSession<Stream>::CloseSocket() {
  beast::error_code ignored;
  lowest().socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  lowest().close();
}

template class HttpSession<beast::tcp_stream>;
template class HttpSession<TlsStream>;

}  // namespace optin::net
