// One WebSocket connection of the HttpServer (private to net/): an HttpSession that read an
// upgrade request on a WebSocket route hands its stream over to this session, which answers the
// handshake, calls the route's handler and then reads messages until the connection ends,
// writing queued messages one at a time. Every member runs on the connection's strand (the
// stream's executor); the public WebSocketConnection members hop onto it. `Stream` is
// beast::tcp_stream or TlsStream, owned by the HttpSession that `stream_owner` keeps alive; both
// are instantiated in websocket_session.cpp. Timeouts are Beast's WebSocket ones (handshake,
// idle with a ping halfway), so the TCP stream's own timer is switched off.
#pragma once

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "net/tls_stream.h"
#include "net/websocket_connection.h"

namespace optin::net {

// What an HttpSession keeps of the WebSocket session it became, whatever its stream type.
class WebSocketSessionBase {
 public:
  virtual ~WebSocketSessionBase() = default;
  // The server is shutting down: close with 1001 (going away). Thread-safe.
  virtual void GoingAway() = 0;
};

template <class Stream>
class WebSocketSession final : public WebSocketConnection,
                               public WebSocketSessionBase,
                               public std::enable_shared_from_this<WebSocketSession<Stream>> {
 public:
  using UpgradeRequest = boost::beast::http::request<boost::beast::http::string_body>;

  // `stream` stays valid as long as `stream_owner` lives; `handler` as long as the server's
  // Router (which outlives every connection).
  WebSocketSession(Stream& stream, std::shared_ptr<void> stream_owner, WebSocketOptions options,
                   std::string server_name, const WebSocketHandler& handler, Request request);
  WebSocketSession(const WebSocketSession&) = delete;

  // Answers the upgrade; on success calls the handler, then starts reading.
  void Start(UpgradeRequest upgrade);

  void Send(std::string text) override;
  void Close(uint16_t code, std::string reason) override;
  void OnMessage(std::function<void(std::string)> callback) override;
  void OnClose(std::function<void()> callback) override;
  void Post(std::function<void()> fn) override;
  void After(std::chrono::milliseconds delay, std::function<void()> fn) override;
  bool closed() const override { return closed_.load(); }
  const std::string& remote_address() const override { return request_.remote_address; }

  void GoingAway() override;

 private:
  boost::beast::tcp_stream& lowest() { return boost::beast::get_lowest_layer(ws_); }
  void OnAccept(boost::beast::error_code ec);
  void Read();
  void OnRead(boost::beast::error_code ec);
  void Enqueue(std::string text);
  void WriteNext();
  void OnWrite(boost::beast::error_code ec);
  void RequestClose(uint16_t code, std::string reason);
  void BeginClose();
  // The connection has ended: runs OnClose once, drops the callbacks, timers and queue.
  void Finish(boost::beast::error_code ec);
  // Closes the socket at once: pending operations fail, their handlers call Finish.
  void Drop();

  boost::beast::websocket::stream<Stream&> ws_;
  std::shared_ptr<void> stream_owner_;
  const WebSocketOptions options_;
  const std::string server_name_;
  const WebSocketHandler& handler_;
  const Request request_;
  UpgradeRequest upgrade_;
  boost::beast::flat_buffer read_buffer_;
  std::deque<std::string> queue_;  // front: the message being written while writing_
  size_t queued_bytes_ = 0;
  bool accepted_ = false;
  bool writing_ = false;
  bool close_requested_ = false;  // Close(): flush the queue, then the closing handshake
  bool closing_ = false;          // async_close started
  bool finished_ = false;
  uint16_t close_code_ = 0;
  std::string close_reason_;
  std::optional<boost::asio::steady_timer> close_deadline_;
  std::vector<std::shared_ptr<boost::asio::steady_timer>> timers_;  // After()
  std::function<void(std::string)> on_message_;
  std::function<void()> on_close_;
  std::atomic<bool> closed_{false};
};

extern template class WebSocketSession<boost::beast::tcp_stream>;
extern template class WebSocketSession<TlsStream>;

}  // namespace optin::net
