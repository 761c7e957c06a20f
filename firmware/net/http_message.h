// Plain HTTP request and response values, free of Beast and sockets, so that request handling
// is a plain function that unit tests call directly. Value types; thread-compatible.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace optin::net {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as sent: path and query
  std::string path;    // decoded path without the query
  std::string query;   // raw query string, without '?'
  std::vector<std::pair<std::string, std::string>> headers;  // names lowercased
  std::string body;
  std::string remote_address;  // peer IP, for rate limiting only; never logged with identities
  // DER of the client certificate, when the TLS session presented one whose chain verified
  // (servers with client_ca_pem only); empty otherwise.
  std::string peer_certificate_der;
  std::map<std::string, std::string, std::less<>> params;  // filled by the router: {name} -> value

  // First header with this (lowercase) name, or empty.
  std::string_view Header(std::string_view lowercase_name) const;
  std::string_view Param(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  // Set by Problem(): the problem's short name (its type after "urn:optin-edge:problem:", or
  // "other"), so that observers can count refusals by reason without parsing the body.
  std::string problem;

  static Response Json(int status, std::string body);
  // RFC 9457 problem details: {"type","title","status","detail"[,"field"]}.
  static Response Problem(int status, std::string_view type, std::string_view title,
                          std::string_view detail, std::string_view field = {});
};

// Completes a request exactly once, from any thread. If it is destroyed without being called,
// the request is answered with a 500 problem so that no client ever hangs.
class Responder {
 public:
  using Sink = std::function<void(Response)>;
  explicit Responder(Sink sink);
  Responder(Responder&& other) noexcept : sink_(std::exchange(other.sink_, nullptr)) {}
  // Assigning over a responder that was never called first answers its request with the 500.
  Responder& operator=(Responder&& other) noexcept;
  Responder(const Responder&) = delete;
  ~Responder();

  void operator()(Response response);
  // A copyable handle (for std::function captures); all copies share one completion.
  std::shared_ptr<Responder> Share() &&;

 private:
  Sink sink_;
};

using Handler = std::function<void(Request&&, Responder)>;

// Hands work back to a connection: runs `work` on that connection's strand, after what runs
// there now. Copyable; callable from any thread (e.g. a database writer's completion, so that
// the answer is rendered and logged on the network threads, never on the writer).
using Handoff = std::function<void(std::function<void()> work)>;

// The handoff of the connection whose request this thread is dispatching right now: set by the
// HTTP session for the length of Router::Dispatch (on the connection's strand), empty on every
// other thread (the database writer and readers, a test calling a handler directly). A handler
// that answers later takes it when it starts.
const Handoff& CurrentHandoff();

// Sets CurrentHandoff() on this thread for its lifetime (nests). Not copyable.
class ScopedHandoff {
 public:
  explicit ScopedHandoff(Handoff handoff);
  ~ScopedHandoff();
  ScopedHandoff(const ScopedHandoff&) = delete;
  ScopedHandoff& operator=(const ScopedHandoff&) = delete;

 private:
  Handoff previous_;
};

}  // namespace optin::net
