// Maps (method, path pattern) to handlers, and path patterns to WebSocket handlers. Patterns are
// literal segments and `{name}` placeholders ("/v1/me/consents/{purpose}"). Build it at
// start-up (routes and the observer), then it is read-only and thread-safe for Find and Dispatch.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/http_message.h"
#include "net/request_observer.h"
#include "net/websocket_connection.h"

namespace optin::net {

class Router {
 public:
  void Add(std::string method, std::string pattern, Handler handler);
  // A WebSocket endpoint: a GET with "Upgrade: websocket" on a matching path is upgraded and
  // handed to `handler`; a plain request there gets 426 (unless an HTTP route matches too).
  // `check`, when set, runs first: an answer refuses the upgrade with it (and the connection
  // closes after it), nothing lets the upgrade go on.
  void AddWebSocket(std::string pattern, WebSocketHandler handler, UpgradeCheck check = {});

  struct Match {
    const Handler* handler = nullptr;  // null when nothing matched
    std::map<std::string, std::string, std::less<>> params;
    std::vector<std::string> allowed;  // when the path matched but not the method: for 405 Allow
  };
  Match Find(std::string_view method, std::string_view path) const;

  struct WebSocketMatch {
    const WebSocketHandler* handler = nullptr;  // null when no WebSocket route matched
    const UpgradeCheck* check = nullptr;        // the route's check (may be empty)
    std::map<std::string, std::string, std::less<>> params;
    std::string_view pattern;  // the matched route's pattern (lives as long as the router)
  };
  // `path` as sent (percent-encoded), as for Find.
  WebSocketMatch FindWebSocket(std::string_view path) const;

  struct Route {
    std::string method;
    std::string pattern;
  };
  // Every HTTP route and WebSocket endpoint (as GET), in the order they were added.
  std::vector<Route> Routes() const;

  // Finds the handler and calls it, or answers 404/405 with a problem. A HEAD request without
  // a HEAD route goes to the GET route (the server sends the answer's head only). With an observer,
  // the answer is reported to it (route pattern, status, time to answer) before it is sent.
  void Dispatch(Request&& request, Responder responder) const;

  // Set at start-up, before serving; `observer` must outlive the router's use. Null: none.
  void SetObserver(RequestObserver* observer) { observer_ = observer; }
  // For the server, which reports WebSocket upgrades (status 101) itself.
  RequestObserver* observer() const { return observer_; }

  // Called with each request before it is dispatched (matched or not); the function it returns,
  // when set, may rewrite that request's answer before it is sent (e.g. a problem's title and
  // detail in the request's language). Set at start-up, before serving. Empty: none.
  using AnswerFilter = std::function<std::function<void(Response&)>(const Request&)>;
  void SetAnswerFilter(AnswerFilter filter) { answer_filter_ = std::move(filter); }

  // Headers the server adds to every answer it sends over TLS on this router's listener
  // (e.g. Strict-Transport-Security on the public one). Set at start-up, before serving.
  void AddTlsResponseHeader(std::string name, std::string value) {
    tls_response_headers_.emplace_back(std::move(name), std::move(value));
  }
  const std::vector<std::pair<std::string, std::string>>& tls_response_headers() const {
    return tls_response_headers_;
  }

 private:
  struct Entry {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
    WebSocketHandler websocket;  // set instead of `handler` for WebSocket routes
    UpgradeCheck check;          // WebSocket routes: runs before the upgrade
  };
  // The most specific entry of `entries` for `method` whose pattern matches `decoded`; fills
  // `allowed` with the other methods whose pattern matches.
  static const Entry* Best(const std::vector<Entry>& entries, std::string_view method,
                           const std::vector<std::string>& decoded,
                           std::vector<std::string>* allowed);
  // `responder`, reporting to the observer first when there is one.
  Responder Observed(Responder responder, std::string method, std::string_view pattern) const;
  static std::map<std::string, std::string, std::less<>> Params(const Entry& entry,
                                                                std::vector<std::string>& decoded);
  std::vector<Entry> entries_;
  std::vector<Entry> websockets_;
  RequestObserver* observer_ = nullptr;
  AnswerFilter answer_filter_;
  std::vector<std::pair<std::string, std::string>> tls_response_headers_;
};

}  // namespace optin::net
