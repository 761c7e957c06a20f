#include "net/http_server.h"

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <mutex>
#include <set>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "net/client_address_key.h"
#include "net/handshake_slots.h"
#include "net/http_session.h"
#include "platform/log.h"

namespace optin::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace log = platform::log;
using tcp = asio::ip::tcp;

namespace {

HandshakeLimits HandshakeLimitsOf(const HttpServerOptions& o) {
  return {.total = o.max_concurrent_handshakes,
          .per_client = o.max_handshakes_per_client,
          .exempt = o.rate_limit.exempt};
}

// Sent to connections beyond max_connections, without reading their request.
constexpr std::string_view kOverloaded =
    "HTTP/1.1 503 Service Unavailable\r\n"
    "Content-Type: application/problem+json\r\n"
    "Connection: close\r\n"
    "Content-Length: 155\r\n"
    "\r\n"
    R"({"type":"urn:optin-edge:problem:server-overloaded","title":"Service Unavailable",)"
    R"("status":503,"detail":"The server has too many connections; retry later."})";

// Sent to a plain-HTTP connection beyond max_connections_per_client, without reading it.
constexpr std::string_view kTooManyFromClient =
    "HTTP/1.1 429 Too Many Requests\r\n"
    "Content-Type: application/problem+json\r\n"
    "Connection: close\r\n"
    "Content-Length: 171\r\n"
    "\r\n"
    R"({"type":"urn:optin-edge:problem:too-many-connections","title":"Too Many Requests",)"
    R"("status":429,"detail":"This address has too many open connections; close some or retry."})";

constexpr std::chrono::milliseconds kAcceptBackoff{50};
constexpr std::chrono::seconds kLogInterval{10};

// Logs an event at most once per kLogInterval, with how many were not logged in between, so
// that a flood of garbage connections cannot fill the disk. Thread-safe.
class RateLimitedLog {
 public:
  void Warn(std::string_view event, std::string_view reason) {
    uint64_t suppressed = 0;
    {
      std::lock_guard lock(mutex_);
      auto now = std::chrono::steady_clock::now();
      if (logged_once_ && now - last_ < kLogInterval) {
        ++suppressed_;
        return;
      }
      logged_once_ = true;
      last_ = now;
      suppressed = std::exchange(suppressed_, 0);
    }
    log::Warn(event, {{"reason", reason}, {"suppressed", suppressed}});
  }

 private:
  std::mutex mutex_;
  std::chrono::steady_clock::time_point last_;  // GUARDED_BY(mutex_)
  bool logged_once_ = false;                    // GUARDED_BY(mutex_)
  uint64_t suppressed_ = 0;                     // GUARDED_BY(mutex_)
};

}  // namespace

// The acceptor, the shutdown state and the session registry. Accepting and Shutdown() run on
// `strand`; sessions report back through SessionOwner from their own strands.
struct HttpServer::Impl : SessionOwner, std::enable_shared_from_this<HttpServer::Impl> {
  Impl(asio::io_context& c, const Router& r, HttpServerOptions o)
      : context(c),
        router_(r),
        options_(std::make_shared<const HttpServerOptions>(o)),
        limiter(platform::SystemClock::Instance(), o.rate_limit),
        slots(HandshakeSlots::Create(platform::SystemClock::Instance(), HandshakeLimitsOf(o))),
        strand(asio::make_strand(c)),
        acceptor(strand),
        backoff(strand),
        tls(WithSlots(o.tls)) {
    SetExempt(o.rate_limit.exempt);
  }

  // `config` whose handshakes take this listener's slots.
  std::shared_ptr<const TlsServerConfig> WithSlots(
      const std::shared_ptr<const TlsServerConfig>& config) const {
    return config ? config->WithHandshakeSlots(slots) : nullptr;
  }

  void SetExempt(const std::vector<std::string>& addresses) {
    std::lock_guard lock(mutex);
    exempt.clear();
    for (const auto& a : addresses) exempt.emplace(ClientAddressKey::Normalize(a));
  }

  const Router& router() const override { return router_; }
  std::shared_ptr<const HttpServerOptions> options() const override { return options_.load(); }
  std::optional<std::chrono::seconds> Throttle(std::string_view remote_address) override {
    auto retry_after = limiter.Admit(remote_address);
    if (retry_after) rate_limited.fetch_add(1, std::memory_order_relaxed);
    return retry_after;
  }
  bool shutting_down() const override { return stopping.load(); }
  void OnRequest() override { requests.fetch_add(1, std::memory_order_relaxed); }

  void OnHandshakeDone(std::string_view failure) override {
    if (failure.empty()) {
      handshakes_completed.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (failure.starts_with("evicted-")) {  // counted by the slots when they evicted it
      handshake_limit_log.Warn("tls.handshake_evicted", failure);
      return;
    }
    handshakes_failed.fetch_add(1, std::memory_order_relaxed);
    handshake_failure_log.Warn("tls.handshake_failed", failure);
  }

  void OnSessionClosed(HttpSessionBase* session) override {
    {
      std::lock_guard lock(mutex);
      auto it = sessions.find(session);
      if (it != sessions.end()) {
        if (it->second.counted) {
          auto count = per_client.find(it->second.client);
          if (count != per_client.end() && --count->second == 0) per_client.erase(count);
        }
        sessions.erase(it);
      }
    }
    active.fetch_sub(1);
    MaybeFinishShutdown();
  }

  void Accept() {
    acceptor.async_accept(
        asio::make_strand(context),
        [self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
          self->OnAccept(ec, std::move(socket));
        });
  }

  void OnAccept(boost::system::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
    if (ec) {
      // Typically EMFILE: wait a little instead of spinning on a failing accept, and log only
      // the first failure of a streak so that a long outage cannot fill the disk.
      if (!accept_failing) {
        accept_failing = true;
        log::Warn("http_accept_failing", {{"error", ec.message()}});
      }
      backoff.expires_after(kAcceptBackoff);
      backoff.async_wait([self = shared_from_this()](boost::system::error_code wait_ec) {
        if (!wait_ec && self->acceptor.is_open()) self->Accept();
      });
      return;
    }
    if (accept_failing) {
      accept_failing = false;
      log::Info("http_accept_recovered");
    }
    if (stopping.load()) {
      boost::system::error_code ignored;
      socket.close(ignored);
      return;
    }
    std::shared_ptr<const TlsServerConfig> config = tls.load();
    const auto options = options_.load();
    if (active.load() >= options->max_connections) {
      refused.fetch_add(1);
      if (config) {
        CloseAtOnce(socket);  // a plain-text 503 means nothing to a TLS client
      } else {
        Refuse(socket, kOverloaded);
      }
      Accept();
      return;
    }
    // One address may not take every connection: count them by keyed hash.
    boost::system::error_code peer_ec;
    const auto peer = socket.remote_endpoint(peer_ec);
    const std::string address = peer_ec ? std::string() : peer.address().to_string();
    const uint64_t client = client_key.Of(address);
    bool counted = false;
    bool too_many = false;
    {
      std::lock_guard lock(mutex);
      if (options->max_connections_per_client > 0 &&
          !exempt.contains(ClientAddressKey::Normalize(address))) {
        size_t& count = per_client[client];
        too_many = count >= options->max_connections_per_client;
        counted = !too_many;
        if (counted) ++count;
      }
    }
    if (too_many) {
      refused_per_client.fetch_add(1, std::memory_order_relaxed);
      connection_limit_log.Warn("http.connection_refused", "too-many-from-client");
      if (config) {
        CloseAtOnce(socket);
      } else {
        Refuse(socket, kTooManyFromClient);
      }
      Accept();
      return;
    }
    accepted.fetch_add(1);
    active.fetch_add(1);
    std::shared_ptr<HttpSessionBase> session;
    if (config) {
      // The stream takes a handshake slot (evicting the least advanced handshake when the
      // address or the listener is at its bound).
      session = std::make_shared<HttpSession<TlsStream>>(std::move(socket), shared_from_this(),
                                                         std::move(config));
    } else {
      session =
          std::make_shared<HttpSession<beast::tcp_stream>>(std::move(socket), shared_from_this());
    }
    {
      std::lock_guard lock(mutex);
      sessions.emplace(session.get(), Registered{session, client, counted});
    }
    session->Start();
    Accept();
  }

  // Best effort, never blocking the acceptor: a 503 if it fits in the send buffer, then close.
  static void Refuse(tcp::socket& socket, std::string_view answer) {
    boost::system::error_code ignored;
    socket.non_blocking(true, ignored);
    socket.write_some(asio::buffer(answer.data(), answer.size()), ignored);
    socket.shutdown(tcp::socket::shutdown_send, ignored);
    socket.close(ignored);
  }

  static void CloseAtOnce(tcp::socket& socket) {
    boost::system::error_code ignored;
    socket.close(ignored);
  }

  // Runs on `strand`.
  void BeginShutdown(std::function<void()> done) {
    stopping.store(true);
    boost::system::error_code ignored;
    acceptor.close(ignored);
    backoff.cancel();
    std::vector<std::shared_ptr<HttpSessionBase>> live;
    {
      std::lock_guard lock(mutex);
      if (done) on_done.push_back(std::move(done));
      for (auto& [raw, registered] : sessions) {
        if (auto session = registered.session.lock()) live.push_back(std::move(session));
      }
    }
    if (!shutdown_logged) {
      shutdown_logged = true;
      log::Info("http_shutdown_started", {{"active_connections", active.load()}});
    }
    for (auto& session : live) session->CloseWhenIdle();
    MaybeFinishShutdown();
  }

  // Calls every pending `done` once all connections are gone (a later Shutdown() call gets
  // its own call too).
  void MaybeFinishShutdown() {
    if (!stopping.load() || active.load() != 0) return;
    std::vector<std::function<void()>> done;
    {
      std::lock_guard lock(mutex);
      done.swap(on_done);
    }
    if (done.empty()) return;
    log::Info("http_shutdown_done");
    for (auto& fn : done) asio::post(context, std::move(fn));
  }

  asio::io_context& context;
  const Router& router_;
  std::atomic<std::shared_ptr<const HttpServerOptions>> options_;
  RateLimiter limiter;
  std::shared_ptr<HandshakeSlots> slots;
  const ClientAddressKey client_key;
  std::atomic<uint64_t> rate_limited{0};
  asio::strand<asio::io_context::executor_type> strand;
  tcp::acceptor acceptor;
  asio::steady_timer backoff;
  bool accept_failing = false;   // on strand
  bool shutdown_logged = false;  // on strand

  std::atomic<uint64_t> accepted{0};
  std::atomic<uint64_t> refused{0};
  std::atomic<uint64_t> refused_per_client{0};
  std::atomic<uint64_t> active{0};
  std::atomic<uint64_t> requests{0};
  std::atomic<bool> stopping{false};
  std::atomic<std::shared_ptr<const TlsServerConfig>> tls;
  std::atomic<uint64_t> handshakes_completed{0};
  std::atomic<uint64_t> handshakes_failed{0};
  RateLimitedLog handshake_failure_log;
  RateLimitedLog handshake_limit_log;
  RateLimitedLog connection_limit_log;

  struct Registered {
    std::weak_ptr<HttpSessionBase> session;
    uint64_t client = 0;   // keyed hash of its address
    bool counted = false;  // in per_client
  };
  std::mutex mutex;
  std::unordered_map<HttpSessionBase*, Registered> sessions;  // GUARDED_BY(mutex)
  std::unordered_map<uint64_t, size_t> per_client;            // GUARDED_BY(mutex)
  std::set<std::string, std::less<>> exempt;                  // GUARDED_BY(mutex)
  std::vector<std::function<void()>> on_done;                 // GUARDED_BY(mutex)
};

HttpServer::HttpServer(EventLoop& loop, const Router& router, HttpServerOptions options)
    : impl_(std::make_shared<Impl>(*static_cast<asio::io_context*>(loop.native()), router,
                                   std::move(options))) {}

HttpServer::~HttpServer() {
  // Stop accepting and close idle connections; a connection still answering a request keeps
  // the shared state (and needs the Router) until its response is written.
  asio::post(impl_->strand, [impl = impl_] { impl->BeginShutdown(nullptr); });
}

Result<uint16_t> HttpServer::Listen() {
  const HttpServerOptions& options = *impl_->options();
  std::string where = options.address + ":" + std::to_string(options.port);
  boost::system::error_code ec;
  asio::ip::address address = asio::ip::make_address(options.address, ec);
  if (ec) {
    return Fail(ErrorCode::kInvalidArgument, "cannot listen on " + where + ": not an IP address",
                "address");
  }
  if (impl_->acceptor.is_open() || impl_->stopping.load()) {
    return Fail(ErrorCode::kFailedPrecondition, "cannot listen on " + where + ": already used");
  }
  tcp::endpoint endpoint(address, options.port);
  tcp::acceptor& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  uint16_t port = 0;
  if (!ec) port = acceptor.local_endpoint(ec).port();
  if (!ec) {
    asio::post(impl_->strand, [impl = impl_] { impl->Accept(); });
    log::Info(
        "http_listening",
        {{"address", options.address}, {"port", port}, {"tls", impl_->tls.load() != nullptr}});
    return port;
  }
  boost::system::error_code ignored;
  acceptor.close(ignored);
  return Fail(ErrorCode::kIo, "cannot listen on " + where + ": " + ec.message());
}

void HttpServer::Shutdown(std::function<void()> done) {
  asio::post(impl_->strand, [impl = impl_, done = std::move(done)]() mutable {
    impl->BeginShutdown(std::move(done));
  });
}

HttpServerStats HttpServer::stats() const {
  HttpServerStats stats;
  stats.connections_accepted = impl_->accepted.load();
  stats.connections_refused = impl_->refused.load();
  stats.active_connections = impl_->active.load();
  stats.requests = impl_->requests.load();
  stats.tls_handshakes_completed = impl_->handshakes_completed.load();
  stats.tls_handshakes_failed = impl_->handshakes_failed.load();
  stats.connections_refused_per_client = impl_->refused_per_client.load();
  stats.tls_handshakes_evicted_client_limit =
      impl_->slots->evicted(HandshakeEviction::kClientLimit);
  stats.tls_handshakes_evicted_listener_limit =
      impl_->slots->evicted(HandshakeEviction::kListenerLimit);
  stats.tls_handshakes_in_progress = impl_->slots->in_progress();
  stats.requests_rate_limited = impl_->rate_limited.load();
  return stats;
}

void HttpServer::SetTls(std::shared_ptr<const TlsServerConfig> tls) {
  impl_->tls.store(impl_->WithSlots(tls));
}

void HttpServer::UpdateLimits(const HttpServerOptions& options) {
  auto next = std::make_shared<HttpServerOptions>(*impl_->options_.load());
  next->max_body_bytes = options.max_body_bytes;
  next->max_header_bytes = options.max_header_bytes;
  next->read_timeout = options.read_timeout;
  next->idle_timeout = options.idle_timeout;
  next->max_connections = options.max_connections;
  next->max_concurrent_handshakes = options.max_concurrent_handshakes;
  next->handshake_timeout = options.handshake_timeout;
  next->max_connections_per_client = options.max_connections_per_client;
  next->max_handshakes_per_client = options.max_handshakes_per_client;
  next->rate_limit = options.rate_limit;
  impl_->limiter.SetLimit(options.rate_limit);
  impl_->slots->SetLimits(HandshakeLimitsOf(options));
  impl_->SetExempt(options.rate_limit.exempt);
  impl_->options_.store(std::move(next));
}

}  // namespace optin::net
