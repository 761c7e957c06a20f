// One server-side WebSocket connection as route handlers see it, free of Beast: send text
// messages, hear the client's, close, and run work on the connection's strand. The HttpServer
// creates it when a request upgrades on a path registered with Router::AddWebSocket.
// Thread-safe: every member may be called from any thread; callbacks run on the connection's
// strand, one at a time. The connection lives as long as its I/O or a shared_ptr to it; the
// callbacks are dropped once it has closed, which breaks cycles through their captures.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "net/http_message.h"

namespace optin::net {

struct WebSocketOptions {
  size_t max_message_bytes = 4 * 1024;  // from the client; larger messages close with 1009
  // Outgoing messages waiting behind the one being written. Beyond either bound the client is a
  // slow consumer: the connection is dropped (a close frame could not get through either).
  size_t max_queued_messages = 256;
  size_t max_queued_bytes = 1024 * 1024;
  std::chrono::milliseconds handshake_timeout{5000};  // the upgrade and the closing handshake
  // Nothing received for this long closes the connection. A ping goes out halfway through, so
  // a live client that sends nothing itself stays connected (browsers answer pings).
  std::chrono::milliseconds idle_timeout{30'000};
};

// Close codes (RFC 6455 section 7.4); applications use 4000-4999.
namespace close_code {
inline constexpr uint16_t kNormal = 1000;
inline constexpr uint16_t kGoingAway = 1001;  // the server is shutting down
inline constexpr uint16_t kPolicy = 1008;
inline constexpr uint16_t kInternalError = 1011;
inline constexpr uint16_t kTryAgainLater = 1013;
}  // namespace close_code

class WebSocketConnection {
 public:
  virtual ~WebSocketConnection() = default;

  // Queues a text message; at most one write is in flight. Past the queue's bounds the
  // connection is dropped as a slow consumer. Ignored once Close() was called.
  virtual void Send(std::string text) = 0;
  // Sends what is queued, then the close frame with `code` and `reason` (at most 123 bytes),
  // and waits for the client's (bounded by handshake_timeout; then the socket is closed).
  // Idempotent: the first call wins.
  virtual void Close(uint16_t code, std::string reason) = 0;
  // Text messages from the client, in order. Set them in the handler: the first read starts
  // after it returns. Binary messages are ignored.
  virtual void OnMessage(std::function<void(std::string)> callback) = 0;
  // Called once when the connection has ended, for whatever reason (at once, on the strand,
  // when it already has).
  virtual void OnClose(std::function<void()> callback) = 0;
  // Runs `fn` on the connection's strand, serialized with its callbacks.
  virtual void Post(std::function<void()> fn) = 0;
  // Runs `fn` on the strand after `delay`, unless the connection has closed by then.
  virtual void After(std::chrono::milliseconds delay, std::function<void()> fn) = 0;

  virtual bool closed() const = 0;  // Close() called or the connection ended
  virtual const std::string& remote_address() const = 0;
};

// Called on the connection's strand once the upgrade is done. `upgrade_request` is the HTTP
// request that asked for it (path, query, headers, remote address, route params).
using WebSocketHandler = std::function<void(const Request& upgrade_request,
                                            std::shared_ptr<WebSocketConnection> connection)>;

// Runs on the network thread before an upgrade (Router::AddWebSocket): an answer (a 401 or
// 403 problem, say) refuses it; nothing lets it go on. Must not block.
using UpgradeCheck = std::function<std::optional<Response>(const Request& upgrade_request)>;

}  // namespace optin::net
