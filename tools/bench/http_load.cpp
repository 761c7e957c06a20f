// A closed-loop HTTP/1.1 load generator: N keep-alive connections, each with one request
// outstanding at a time, for a fixed duration (or until the requests file runs out). Prints
// one JSON line: {"label","requests","errors","seconds","rps","p50_ms","p99_ms","max_ms",...}.
//   http_load --host 127.0.0.1 --port N --connections 64 --duration-seconds 10
//             --method POST --path /v1/checkins [--requests-file F] [--threads 1] [--label L]
// With --requests-file, each line is {"headers":{"name":"value",...},"body":"..."} and every
// line is sent exactly once, in order of a shared counter across connections.
// --tls runs the same load over our TlsStream (mbedTLS), trusting any server certificate unless
// --ca FILE is given (then the name in --server-name, default the host, is checked too).
// --new-connection-per-request opens (and, with --tls, handshakes) a fresh connection for every
// request, to measure full handshakes per second; the JSON line then has "handshakes".
#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "net/tls_config.h"
#include "net/tls_stream.h"
#include "platform/random.h"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  int connections = 64;
  int duration_seconds = 10;
  std::string method = "POST";
  std::string path = "/v1/checkins";
  std::string requests_file;
  int threads = 1;
  std::string label;
  bool tls = false;
  std::string ca_file;
  std::string server_name;
  bool new_connection_per_request = false;
};

constexpr size_t kStatusesKept = 8;
constexpr std::chrono::seconds kGrace{2};

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr,
               "http_load: %s\nusage: http_load --host H --port N [--connections 64] "
               "[--duration-seconds 10] [--method POST] [--path /v1/checkins] "
               "[--requests-file F] [--threads 1] [--label name] [--tls [--ca FILE] "
               "[--server-name N]] [--new-connection-per-request]\n",
               why);
  std::exit(2);
}

Options ParseArgs(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--tls") {
      options.tls = true;
      continue;
    }
    if (arg == "--new-connection-per-request") {
      options.new_connection_per_request = true;
      continue;
    }
    if (i + 1 >= argc) Usage("missing value");
    std::string value = argv[++i];
    if (arg == "--host") {
      options.host = value;
    } else if (arg == "--port") {
      options.port = static_cast<uint16_t>(std::atoi(value.c_str()));
    } else if (arg == "--connections") {
      options.connections = std::max(1, std::atoi(value.c_str()));
    } else if (arg == "--duration-seconds") {
      options.duration_seconds = std::max(1, std::atoi(value.c_str()));
    } else if (arg == "--method") {
      options.method = value;
    } else if (arg == "--path") {
      options.path = value;
    } else if (arg == "--requests-file") {
      options.requests_file = value;
    } else if (arg == "--threads") {
      options.threads = std::max(1, std::atoi(value.c_str()));
    } else if (arg == "--label") {
      options.label = value;
    } else if (arg == "--ca") {
      options.ca_file = value;
    } else if (arg == "--server-name") {
      options.server_name = value;
    } else {
      Usage("unknown argument");
    }
  }
  return options;
}

// Serializes one request up front, so that sending it costs nothing but the write.
std::string BuildRequest(const Options& options, const json::object* headers,
                         std::string_view body) {
  std::string raw = options.method + " " + options.path + " HTTP/1.1\r\nHost: " + options.host +
                    ":" + std::to_string(options.port) + "\r\n";
  bool has_content_type = false;
  if (headers != nullptr) {
    for (const auto& [name, value] : *headers) {
      if (!value.is_string()) Usage("header values must be strings");
      std::string lower(name);
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      if (lower == "content-type") has_content_type = true;
      if (lower == "content-length" || lower == "host") continue;
      raw.append(name).append(": ").append(value.as_string()).append("\r\n");
    }
  }
  if (!body.empty() && !has_content_type) raw += "Content-Type: application/json\r\n";
  if (!body.empty() || options.method == "POST" || options.method == "PUT") {
    raw += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  raw += "\r\n";
  raw.append(body);
  return raw;
}

std::vector<std::string> LoadRequests(const Options& options) {
  std::vector<std::string> requests;
  std::ifstream in(options.requests_file);
  if (!in) Usage("cannot open the requests file");
  std::string line;
  size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    boost::system::error_code ec;
    json::value value = json::parse(line, ec);
    if (ec || !value.is_object()) {
      std::fprintf(stderr, "http_load: line %zu is not a JSON object\n", number);
      std::exit(2);
    }
    const json::object& object = value.as_object();
    const json::object* headers = nullptr;
    if (auto it = object.find("headers"); it != object.end() && it->value().is_object()) {
      headers = &it->value().as_object();
    }
    std::string_view body;
    if (auto it = object.find("body"); it != object.end() && it->value().is_string()) {
      body = it->value().as_string();
    }
    requests.push_back(BuildRequest(options, headers, body));
  }
  return requests;
}

// Shared by every connection; read-only after start except the atomics.
struct Run {
  Options options;
  tcp::endpoint endpoint;
  std::vector<std::string> requests;  // the fixed request, or one per file line
  bool from_file = false;
  std::atomic<size_t> next_request{0};
  std::atomic<bool> stopping{false};
  std::atomic<int> running{0};
  std::atomic<uint64_t> handshakes{0};
  std::shared_ptr<const optin::net::TlsClientConfig> tls;  // null: plain TCP
  Clock::time_point start;
  std::mutex mutex;
  Clock::time_point last_finish;  // GUARDED_BY(mutex)
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Run& run, asio::any_io_executor executor)
      : run_(run), executor_(executor), socket_(executor) {
    latencies_ns_.reserve(1 << 16);
  }

  void Start() {
    connect_started_ = Clock::now();
    if (run_.tls) {
      tls_.reset();  // a fresh TLS context per connection
      tls_.emplace(beast::tcp_stream(executor_), run_.tls,
                   run_.options.server_name.empty() ? run_.options.host : run_.options.server_name);
    }
    Socket().async_connect(run_.endpoint, [self = shared_from_this()](beast::error_code ec) {
      if (ec) {
        ++self->io_errors_;
        self->Finish();  // the server is not there: retrying would only spin
        return;
      }
      beast::error_code ignored;
      self->Socket().set_option(tcp::no_delay(true), ignored);
      if (!self->tls_) {
        self->SendNext();
        return;
      }
      self->tls_->async_handshake([self](beast::error_code handshake_ec) {
        if (handshake_ec) {
          ++self->io_errors_;
          if (self->handshake_errors_++ == 0) {
            std::fprintf(stderr, "http_load: TLS handshake failed: %s\n",
                         handshake_ec.message().c_str());
          }
          self->Finish();
          return;
        }
        self->run_.handshakes.fetch_add(1, std::memory_order_relaxed);
        self->SendNext();
      });
    });
  }

  // Forcibly ends a connection whose response has not come back after the grace period.
  void Abort() {
    asio::post(executor_, [self = shared_from_this()] {
      beast::error_code ignored;
      self->Socket().close(ignored);
    });
  }

  std::vector<int64_t>& latencies_ns() { return latencies_ns_; }
  uint64_t errors() const { return bad_status_ + io_errors_; }
  uint64_t io_errors() const { return io_errors_; }
  const std::vector<int>& statuses() const { return statuses_; }

 private:
  void SendNext() {
    if (run_.stopping.load(std::memory_order_relaxed)) {
      Finish();
      return;
    }
    const std::string* request = &run_.requests[0];
    if (run_.from_file) {
      size_t index = run_.next_request.fetch_add(1, std::memory_order_relaxed);
      if (index >= run_.requests.size()) {
        Finish();  // every line has been sent: the run ends early
        return;
      }
      request = &run_.requests[index];
    }
    // With a connection per request, the latency includes connecting and the handshake.
    sent_at_ = run_.options.new_connection_per_request ? connect_started_ : Clock::now();
    auto on_written = [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) {
        self->OnFailure();
        return;
      }
      self->ReadResponse();
    };
    if (tls_) {
      asio::async_write(*tls_, asio::buffer(*request), std::move(on_written));
    } else {
      asio::async_write(socket_, asio::buffer(*request), std::move(on_written));
    }
  }

  void ReadResponse() {
    parser_.emplace();
    parser_->body_limit(64 * 1024 * 1024);
    auto on_read = [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) {
        self->OnFailure();
        return;
      }
      self->OnResponse();
    };
    if (tls_) {
      http::async_read(*tls_, buffer_, *parser_, std::move(on_read));
    } else {
      http::async_read(socket_, buffer_, *parser_, std::move(on_read));
    }
  }

  void OnResponse() {
    latencies_ns_.push_back(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - sent_at_).count());
    const auto& response = parser_->get();
    unsigned status = response.result_int();
    if (status < 200 || status >= 300) {
      ++bad_status_;
      if (statuses_.size() < kStatusesKept) statuses_.push_back(static_cast<int>(status));
    }
    if (!response.keep_alive() || run_.options.new_connection_per_request) {
      if (run_.stopping.load(std::memory_order_relaxed)) {
        Finish();
        return;
      }
      Reconnect();
      return;
    }
    SendNext();
  }

  void OnFailure() {
    ++io_errors_;
    if (run_.stopping.load()) {
      Finish();
      return;
    }
    Reconnect();
  }

  void Reconnect() {
    beast::error_code ignored;
    Socket().close(ignored);
    buffer_.clear();
    // Start afresh from the loop, not from inside a handler of the stream being replaced.
    asio::post(executor_, [self = shared_from_this()] { self->Start(); });
  }

  tcp::socket& Socket() { return tls_ ? tls_->next_layer().socket() : socket_; }

  void Finish() {
    if (finished_) return;
    finished_ = true;
    beast::error_code ignored;
    Socket().close(ignored);
    {
      std::lock_guard lock(run_.mutex);
      run_.last_finish = std::max(run_.last_finish, Clock::now());
    }
    run_.running.fetch_sub(1);
  }

  Run& run_;
  asio::any_io_executor executor_;
  tcp::socket socket_;                        // plain TCP
  std::optional<optin::net::TlsStream> tls_;  // with --tls
  Clock::time_point connect_started_;
  uint64_t handshake_errors_ = 0;
  beast::flat_buffer buffer_;
  std::optional<http::response_parser<http::string_body>> parser_;
  Clock::time_point sent_at_;
  std::vector<int64_t> latencies_ns_;
  std::vector<int> statuses_;
  uint64_t bad_status_ = 0;
  uint64_t io_errors_ = 0;
  bool finished_ = false;
};

double Millis(int64_t nanos) { return static_cast<double>(nanos) / 1e6; }

}  // namespace

int main(int argc, char** argv) {
  Run run;
  run.options = ParseArgs(argc, argv);
  const Options& options = run.options;
  if (!options.requests_file.empty()) {
    run.requests = LoadRequests(options);
    run.from_file = true;
    if (run.requests.empty()) Usage("the requests file has no requests");
  } else {
    run.requests.push_back(BuildRequest(options, nullptr, {}));
  }

  std::unique_ptr<optin::platform::CtrDrbg> random;
  if (options.tls) {
    auto drbg = optin::platform::CtrDrbg::Create("http_load");
    if (!drbg) Usage("cannot seed the random generator");
    random = std::move(*drbg);
    optin::net::TlsClientSettings settings;
    if (options.ca_file.empty()) {
      settings.insecure_skip_verify = true;
    } else {
      std::ifstream in(options.ca_file);
      if (!in) Usage("cannot open the --ca file");
      std::stringstream text;
      text << in.rdbuf();
      settings.ca_bundle_pem = text.str();
    }
    auto config = optin::net::TlsClientConfig::Create(settings, *random);
    if (!config) {
      std::fprintf(stderr, "http_load: %s\n", config.error().message.c_str());
      return 2;
    }
    run.tls = std::move(*config);
  }

  asio::io_context context(options.threads);
  {
    tcp::resolver resolver(context);
    beast::error_code ec;
    auto results = resolver.resolve(options.host, std::to_string(options.port), ec);
    if (ec || results.empty()) Usage("cannot resolve the host");
    run.endpoint = *results.begin();
  }

  std::vector<std::shared_ptr<Connection>> connections;
  for (int i = 0; i < options.connections; ++i) {
    asio::any_io_executor executor = options.threads > 1
                                         ? asio::any_io_executor(asio::make_strand(context))
                                         : asio::any_io_executor(context.get_executor());
    connections.push_back(std::make_shared<Connection>(run, executor));
  }
  run.running = options.connections;
  run.start = Clock::now();
  run.last_finish = run.start;
  for (auto& connection : connections) connection->Start();

  // At the deadline no connection starts a new request; after a grace period the ones still
  // waiting for a response are closed.
  asio::steady_timer deadline(context);
  deadline.expires_at(run.start + std::chrono::seconds(options.duration_seconds));
  deadline.async_wait([&](beast::error_code ec) {
    if (ec) return;
    run.stopping = true;
    deadline.expires_after(kGrace);
    deadline.async_wait([&](beast::error_code grace_ec) {
      if (grace_ec) return;
      for (auto& connection : connections) connection->Abort();
    });
  });
  asio::steady_timer watcher(context);
  std::function<void()> watch = [&] {
    if (run.running.load() == 0) {
      deadline.cancel();
      return;
    }
    watcher.expires_after(std::chrono::milliseconds(50));
    watcher.async_wait([&](beast::error_code ec) {
      if (!ec) watch();
    });
  };
  watch();

  std::vector<std::thread> extra;
  for (int i = 1; i < options.threads; ++i) extra.emplace_back([&] { context.run(); });
  context.run();
  for (std::thread& thread : extra) thread.join();

  std::vector<int64_t> all;
  uint64_t errors = 0;
  uint64_t io_errors = 0;
  std::vector<int> statuses;
  for (auto& connection : connections) {
    auto& latencies = connection->latencies_ns();
    all.insert(all.end(), latencies.begin(), latencies.end());
    errors += connection->errors();
    io_errors += connection->io_errors();
    for (int status : connection->statuses()) {
      if (statuses.size() < kStatusesKept) statuses.push_back(status);
    }
  }
  double seconds = std::chrono::duration<double>(run.last_finish - run.start).count();
  auto percentile = [&](double p) -> int64_t {
    if (all.empty()) return 0;
    size_t index = std::min(all.size() - 1, static_cast<size_t>(p * (all.size() - 1) + 0.5));
    std::nth_element(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(index), all.end());
    return all[index];
  };
  int64_t p50 = percentile(0.50);
  int64_t p99 = percentile(0.99);
  int64_t max = all.empty() ? 0 : *std::max_element(all.begin(), all.end());

  std::string status_list;
  for (int status : statuses) {
    if (!status_list.empty()) status_list += ",";
    status_list += std::to_string(status);
  }
  std::printf(
      "{\"label\":%s,\"requests\":%zu,\"errors\":%llu,\"seconds\":%.3f,\"rps\":%.1f,"
      "\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,\"io_errors\":%llu,"
      "\"error_statuses\":[%s],\"connections\":%d,\"tls\":%s,"
      "\"new_connection_per_request\":%s,\"handshakes\":%llu,\"handshakes_per_second\":%.1f}\n",
      json::serialize(json::value(options.label)).c_str(), all.size(),
      static_cast<unsigned long long>(errors), seconds,
      seconds > 0 ? static_cast<double>(all.size()) / seconds : 0.0, Millis(p50), Millis(p99),
      Millis(max), static_cast<unsigned long long>(io_errors), status_list.c_str(),
      options.connections, options.tls ? "true" : "false",
      options.new_connection_per_request ? "true" : "false",
      static_cast<unsigned long long>(run.handshakes.load()),
      seconds > 0 ? static_cast<double>(run.handshakes.load()) / seconds : 0.0);
  std::fflush(stdout);
  return 0;
}
