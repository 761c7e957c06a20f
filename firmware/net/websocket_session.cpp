#include "net/websocket_session.h"

#include <algorithm>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/error.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/beast/websocket/stream_base.hpp>

#include "platform/log.h"

namespace optin::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
namespace log = platform::log;

namespace {

constexpr size_t kMaxCloseReason = 123;  // a control frame carries at most 125 bytes

bool EndedCleanly(const beast::error_code& ec) { return !ec || ec == websocket::error::closed; }

}  // namespace

template <class Stream>
WebSocketSession<Stream>::WebSocketSession(Stream& stream, std::shared_ptr<void> stream_owner,
                                           WebSocketOptions options, std::string server_name,
                                           const WebSocketHandler& handler, Request request)
    : ws_(stream),
      stream_owner_(std::move(stream_owner)),
      options_(options),
      server_name_(std::move(server_name)),
      handler_(handler),
      request_(std::move(request)) {}

template <class Stream>
void WebSocketSession<Stream>::Start(UpgradeRequest upgrade) {
  upgrade_ = std::move(upgrade);
  // Beast's WebSocket timeouts replace the TCP stream's: the two must not both run.
  lowest().expires_never();
  // Pushed messages are small and must not wait for the ACK of the previous one (Nagle).
  beast::error_code ignored;
  lowest().socket().set_option(asio::ip::tcp::no_delay(true), ignored);
  websocket::stream_base::timeout timeouts;
  timeouts.handshake_timeout = options_.handshake_timeout;
  timeouts.idle_timeout = options_.idle_timeout;
  timeouts.keep_alive_pings = true;
  ws_.set_option(timeouts);
  ws_.set_option(
      websocket::stream_base::decorator([name = server_name_](websocket::response_type& response) {
        response.set(beast::http::field::server, name);
      }));
  ws_.read_message_max(options_.max_message_bytes);
  ws_.auto_fragment(false);
  ws_.async_accept(upgrade_,
                   [self = this->shared_from_this()](beast::error_code ec) { self->OnAccept(ec); });
}

template <class Stream>
void WebSocketSession<Stream>::OnAccept(beast::error_code ec) {
  upgrade_ = {};
  if (ec) {
    Finish(ec);
    return;
  }
  accepted_ = true;
  try {
    handler_(request_, this->shared_from_this());
  } catch (const std::exception& e) {
    log::Error("websocket.handler_failed", {{"path", request_.path}, {"message", e.what()}});
    RequestClose(close_code::kInternalError, "internal error");
  }
  if (finished_) return;
  Read();
  if (!writing_ && !queue_.empty()) {
    WriteNext();
  } else if (close_requested_ && !writing_) {
    BeginClose();
  }
}

template <class Stream>
void WebSocketSession<Stream>::Read() {
  ws_.async_read(read_buffer_, [self = this->shared_from_this()](beast::error_code ec, size_t) {
    self->OnRead(ec);
  });
}

template <class Stream>
void WebSocketSession<Stream>::OnRead(beast::error_code ec) {
  if (ec) {
    Finish(ec);
    return;
  }
  if (ws_.got_text() && !close_requested_ && on_message_) {
    std::string text = beast::buffers_to_string(read_buffer_.data());
    auto callback = on_message_;  // the callback may replace itself
    callback(std::move(text));
  }
  read_buffer_.consume(read_buffer_.size());
  if (!finished_) Read();
}

template <class Stream>
void WebSocketSession<Stream>::Send(std::string text) {
  asio::dispatch(ws_.get_executor(),
                 [self = this->shared_from_this(), text = std::move(text)]() mutable {
                   self->Enqueue(std::move(text));
                 });
}

template <class Stream>
void WebSocketSession<Stream>::Enqueue(std::string text) {
  if (finished_ || close_requested_) return;
  if (queue_.size() >= options_.max_queued_messages ||
      queued_bytes_ + text.size() > options_.max_queued_bytes) {
    // The client does not read: a close frame would wait behind the stuck write as well.
    log::Warn("websocket.slow_consumer", {{"path", request_.path},
                                          {"queued_messages", static_cast<uint64_t>(queue_.size())},
                                          {"queued_bytes", static_cast<uint64_t>(queued_bytes_)}});
    closed_ = true;
    close_requested_ = true;
    Drop();
    return;
  }
  queued_bytes_ += text.size();
  queue_.push_back(std::move(text));
  if (accepted_ && !writing_) WriteNext();
}

template <class Stream>
void WebSocketSession<Stream>::WriteNext() {
  writing_ = true;
  ws_.text(true);
  ws_.async_write(
      asio::buffer(queue_.front()),
      [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnWrite(ec); });
}

template <class Stream>
void WebSocketSession<Stream>::OnWrite(beast::error_code ec) {
  writing_ = false;
  if (ec) {
    Finish(ec);
    return;
  }
  if (finished_) return;
  queued_bytes_ -= queue_.front().size();
  queue_.pop_front();
  if (!queue_.empty()) {
    WriteNext();
  } else if (close_requested_ && !closing_) {
    BeginClose();
  }
}

template <class Stream>
void WebSocketSession<Stream>::Close(uint16_t code, std::string reason) {
  asio::dispatch(ws_.get_executor(),
                 [self = this->shared_from_this(), code, reason = std::move(reason)]() mutable {
                   self->RequestClose(code, std::move(reason));
                 });
}

template <class Stream>
void WebSocketSession<Stream>::GoingAway() {
  Close(close_code::kGoingAway, "going away");
}

template <class Stream>
void WebSocketSession<Stream>::RequestClose(uint16_t code, std::string reason) {
  if (finished_ || close_requested_) return;
  close_requested_ = true;
  closed_ = true;
  close_code_ = code;
  close_reason_ = std::move(reason);
  if (close_reason_.size() > kMaxCloseReason) close_reason_.resize(kMaxCloseReason);
  // Flushing the queue and the closing handshake together get handshake_timeout; a client
  // that does not take part by then loses the connection.
  close_deadline_.emplace(ws_.get_executor());
  close_deadline_->expires_after(options_.handshake_timeout);
  close_deadline_->async_wait([self = this->shared_from_this()](beast::error_code ec) {
    if (!ec && !self->finished_) self->Drop();
  });
  if (accepted_ && !writing_) BeginClose();  // else OnAccept or OnWrite starts it
}

template <class Stream>
void WebSocketSession<Stream>::BeginClose() {
  closing_ = true;
  websocket::close_reason reason(close_code_);
  reason.reason.assign(close_reason_.data(), close_reason_.size());
  ws_.async_close(reason,
                  [self = this->shared_from_this()](beast::error_code ec) { self->Finish(ec); });
}

template <class Stream>
void WebSocketSession<Stream>::Finish(beast::error_code ec) {
  if (finished_) return;
  finished_ = true;
  closed_ = true;
  if (!EndedCleanly(ec)) Drop();  // e.g. a failed write while the read is still pending
  if (close_deadline_) close_deadline_->cancel();
  for (auto& timer : timers_) timer->cancel();
  timers_.clear();
  queue_.clear();
  queued_bytes_ = 0;
  on_message_ = nullptr;
  auto on_close = std::move(on_close_);
  on_close_ = nullptr;
  if (on_close) on_close();
}

template <class Stream>
void WebSocketSession<Stream>::Drop() {
  beast::error_code ignored;
  lowest().socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  lowest().close();
}

template <class Stream>
void WebSocketSession<Stream>::OnMessage(std::function<void(std::string)> callback) {
  asio::dispatch(ws_.get_executor(),
                 [self = this->shared_from_this(), callback = std::move(callback)]() mutable {
                   if (!self->finished_) self->on_message_ = std::move(callback);
                 });
}

template <class Stream>
void WebSocketSession<Stream>::OnClose(std::function<void()> callback) {
  asio::dispatch(ws_.get_executor(),
                 [self = this->shared_from_this(), callback = std::move(callback)]() mutable {
                   if (self->finished_) {
                     if (callback) callback();
                     return;
                   }
                   self->on_close_ = std::move(callback);
                 });
}

template <class Stream>
void WebSocketSession<Stream>::Post(std::function<void()> fn) {
  asio::post(ws_.get_executor(), [self = this->shared_from_this(), fn = std::move(fn)] { fn(); });
}

template <class Stream>
void WebSocketSession<Stream>::After(std::chrono::milliseconds delay, std::function<void()> fn) {
  asio::dispatch(ws_.get_executor(),
                 [self = this->shared_from_this(), delay, fn = std::move(fn)]() mutable {
                   if (self->finished_) return;
                   auto timer = std::make_shared<asio::steady_timer>(self->ws_.get_executor());
                   timer->expires_after(delay);
                   self->timers_.push_back(timer);
                   timer->async_wait([self, timer, fn = std::move(fn)](beast::error_code ec) {
                     std::erase(self->timers_, timer);
                     if (!ec && !self->finished_) fn();
                   });
                 });
}

template class WebSocketSession<beast::tcp_stream>;
template class WebSocketSession<TlsStream>;

}  // namespace optin::net
