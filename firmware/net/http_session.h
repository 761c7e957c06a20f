// One HTTP/1.1 connection of the HttpServer (private to net/): reads a request with a timeout,
// checks its head strictly (net/header_block.h: anything a front proxy could frame differently
// is refused with its problem and the connection closed, unread bytes never parsed), lets Beast
// parse it, hands it to the router, writes the response once the Responder is called (from any
// thread), then reads the next one. Every member runs on the connection's strand; the session lives
// as long as a handler or a Responder sink holds it. `Stream` is beast::tcp_stream (plain HTTP) or
// TlsStream (HTTPS: the session first runs the handshake under handshake_timeout, and closes
// with close_notify); both are instantiated in http_session.cpp. A GET that asks for a WebSocket
// upgrade on a path with a WebSocket route turns the connection over to a WebSocketSession,
// which keeps this session (and so its stream) alive until the connection ends.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/string_body.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "net/header_block.h"
#include "net/http_message.h"
#include "net/http_server.h"
#include "net/refusal.h"
#include "net/tls_stream.h"

namespace optin::net {

class WebSocketSessionBase;

// What the server keeps of a session, whatever its stream type.
class HttpSessionBase {
 public:
  virtual ~HttpSessionBase() = default;
  virtual void Start() = 0;
  // The server is shutting down: close now if waiting for a request, otherwise finish the
  // current request and close after its response; a WebSocket closes with 1001 (going away).
  // Thread-safe (posts to the strand).
  virtual void CloseWhenIdle() = 0;
};

// What a session needs from its server. Implemented by HttpServer::Impl; thread-safe.
class SessionOwner {
 public:
  virtual ~SessionOwner() = default;
  virtual const Router& router() const = 0;
  // The options now in force (limits may change while the server runs); each use takes a
  // fresh snapshot, so a new limit applies from the next request on.
  virtual std::shared_ptr<const HttpServerOptions> options() const = 0;
  // Empty when a request from `remote_address` may go on; otherwise how long the client must
  // wait (the listener's rate limit).
  virtual std::optional<std::chrono::seconds> Throttle(std::string_view remote_address) = 0;
  virtual bool shutting_down() const = 0;
  virtual void OnRequest() = 0;
  // Called from the session's destructor.
  virtual void OnSessionClosed(HttpSessionBase* session) = 0;
  // Called once per TLS session when its handshake ends; `failure` is empty on success, else
  // a TlsFailureReason slug.
  virtual void OnHandshakeDone(std::string_view failure) = 0;
};

template <class Stream>
class HttpSession final : public HttpSessionBase,
                          public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  // `socket` must use a strand executor of its own. `tls` is required for TlsStream and
  // ignored otherwise.
  HttpSession(boost::asio::ip::tcp::socket socket, std::shared_ptr<SessionOwner> owner,
              std::shared_ptr<const TlsServerConfig> tls = nullptr);
  ~HttpSession() override;
  HttpSession(const HttpSession&) = delete;

  void Start() override;
  void CloseWhenIdle() override;

 private:
  enum class State { kHandshaking, kWaiting, kReading, kHandling, kWriting, kUpgraded, kClosed };

  static Stream MakeStream(boost::asio::ip::tcp::socket socket,
                           std::shared_ptr<const TlsServerConfig> tls);
  boost::beast::tcp_stream& lowest() { return boost::beast::get_lowest_layer(stream_); }
  void Handshake();
  void OnHandshake(boost::beast::error_code ec);
  void WaitForRequest();
  void OnFirstBytes(boost::beast::error_code ec, size_t bytes);
  void ReadRequest();
  // Reads until the header block is complete, checking it as it arrives.
  void CheckHead();
  void OnHeadBytes(boost::beast::error_code ec, size_t bytes);
  // The head passed: lets Beast parse the request (after "100 Continue" when asked for).
  void ReadMessage();
  void OnRead(boost::beast::error_code ec, size_t bytes);
  void Handle();
  void Upgrade(boost::beast::http::request<boost::beast::http::string_body> message,
               Request request, const WebSocketHandler& handler);
  void Write(Response response);
  void OnWrite(boost::beast::error_code ec, size_t bytes);
  void AnswerParseError(boost::beast::error_code ec);
  // Answers `refusal` as a problem, reports it to the router's observer, and closes the
  // connection without reading another request.
  void Refuse(const Refusal& refusal, std::string_view method = {},
              std::string_view pattern = kUnmatchedRoute);
  void LingeringClose();
  void StopSendingAndDrain();
  void Drain();
  // Sends close_notify first on a TLS connection whose handshake is done (bounded by a short
  // timeout), then closes; the same as Close() for plain HTTP.
  void CloseGracefully();
  void Close();
  void CloseSocket();

  Stream stream_;
  std::shared_ptr<SessionOwner> owner_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  boost::beast::http::response<boost::beast::http::string_body> response_;
  // Writes only the head of response_ (the answer to a HEAD request).
  std::optional<boost::beast::http::response_serializer<boost::beast::http::string_body>>
      head_serializer_;
  std::optional<HeaderBlock> head_;  // the current request's checked head
  std::string remote_address_;
  std::string drain_buffer_;
  std::weak_ptr<WebSocketSessionBase> websocket_;  // once upgraded
  State state_ = State::kWaiting;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool close_after_error_ = false;
  bool first_request_ = true;
  bool head_request_ = false;  // the current request is a HEAD: its answer carries no body
};

extern template class HttpSession<boost::beast::tcp_stream>;
extern template class HttpSession<TlsStream>;

}  // namespace optin::net
