// One HTTP/1.1 connection of the HttpServer (private to net/): reads a request with a timeout,
// hands it to the router, writes the response once the Responder is called (from any thread),
// then reads the next one. Every member runs on the connection's strand; the session lives as
// long as a handler or a Responder sink holds it.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <memory>
#include <optional>
#include <string>

#include "net/http_message.h"
#include "net/http_server.h"

namespace optin::net {

class HttpSession;

// What a session needs from its server. Implemented by HttpServer::Impl; thread-safe.
class SessionOwner {
 public:
  virtual ~SessionOwner() = default;
  virtual const Router& router() const = 0;
  virtual const HttpServerOptions& options() const = 0;
  virtual bool shutting_down() const = 0;
  virtual void OnRequest() = 0;
  // Called from the session's destructor.
  virtual void OnSessionClosed(HttpSession* session) = 0;
};

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  // `socket` must use a strand executor of its own.
  HttpSession(boost::asio::ip::tcp::socket socket, std::shared_ptr<SessionOwner> owner);
  ~HttpSession();
  HttpSession(const HttpSession&) = delete;

  void Start();
  // The server is shutting down: close now if waiting for a request, otherwise finish the
  // current request and close after its response. Thread-safe (posts to the strand).
  void CloseWhenIdle();

 private:
  enum class State { kWaiting, kReading, kHandling, kWriting, kClosed };

  void WaitForRequest();
  void OnFirstBytes(boost::beast::error_code ec, size_t bytes);
  void ReadRequest();
  void OnRead(boost::beast::error_code ec, size_t bytes);
  void Handle();
  void Write(Response response);
  void OnWrite(boost::beast::error_code ec, size_t bytes);
  void AnswerParseError(boost::beast::error_code ec);
  void LingeringClose();
  void Drain();
  void Close();

  boost::beast::tcp_stream stream_;
  std::shared_ptr<SessionOwner> owner_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  boost::beast::http::response<boost::beast::http::string_body> response_;
  std::string remote_address_;
  std::string drain_buffer_;
  State state_ = State::kWaiting;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool close_after_error_ = false;
  bool first_request_ = true;
};

}  // namespace optin::net
