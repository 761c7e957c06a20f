// An HTTPS client for talking to HQ over mutual TLS: resolves, connects, handshakes (verifying
// the server's chain against the CA bundle and its host name, presenting our client
// certificate when the config has one), sends one request, reads one response, closes with
// close_notify. Every failure is an Error with words a person can act on. Thread-safe: Request
// may be called from any thread; `done` runs once, on the EventLoop.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "net/event_loop.h"
#include "net/http_message.h"
#include "net/tls_config.h"
#include "platform/error.h"

namespace optin::net {

struct HttpsClientOptions {
  std::chrono::milliseconds connect_timeout{5000};    // resolve and TCP connect
  std::chrono::milliseconds handshake_timeout{5000};  // TLS handshake
  std::chrono::milliseconds read_timeout{10000};      // send the request, receive the response
  size_t max_response_bytes = 1024 * 1024;
};

struct HttpsRequest {
  std::string method = "GET";
  std::string target = "/";
  std::vector<std::pair<std::string, std::string>> headers;  // Host and Content-Length are set
  std::string body;
};

class HttpsClient {
 public:
  HttpsClient(EventLoop& loop, std::shared_ptr<const TlsClientConfig> tls,
              HttpsClientOptions options = {});

  // The response of any status is a success; failures: kUnavailable (resolve, connect,
  // timeouts, resets), kUnauthenticated (the server's certificate was refused: "certificate
  // not trusted", "does not match the host name", "expired", "not yet valid"), kCrypto (other
  // TLS failures, e.g. the server refused our certificate), kResourceExhausted (response too
  // large). Error::reason is a slug: "timeout", "connection-refused", "tls-certificate", ...
  void Request(std::string host, uint16_t port, HttpsRequest request,
               std::function<void(Result<Response>)> done);

 private:
  class Exchange;
  void* context_;  // the loop's io_context
  std::shared_ptr<const TlsClientConfig> tls_;
  HttpsClientOptions options_;
};

}  // namespace optin::net
