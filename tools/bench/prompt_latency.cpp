// Staff prompt latency: how long from a shopper's POST /v1/assist until the "added" frame
// reaches each live staff console over WebSocket /v1/staff/stream. Starts nothing itself (see
// tools/bench/prompt_bench): given a running optin-edged (plain HTTP) with staff accounts
// STAFF-1..STAFF-N sharing one PIN, and a file of check-in request lines from
// `optinctl token mint --bench-requests` (tokens whose purposes include assistance), it
//   1. logs in N consoles (REST login, then the WebSocket auth message, then the snapshot),
//   2. checks every shopper in (POST /v1/checkins),
//   3. waits for --go-file to exist when given (so that other load can start first),
//   4. sends one help request per shopper, one after the other, noting when each POST left,
//   5. waits until every console has every "added" frame (or --timeout-seconds passes),
// then prints one JSON line: p50/p99/max over all console deliveries, and the POSTs' own
// response times. Not a test: it prints figures.
//   prompt_latency --port P --staff-prefix bench-staff --staff-count 50 --pin 482913
//                  --shoppers-file F [--go-file F] [--timeout-seconds 60] [--label L]
#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  uint16_t port = 0;
  std::string staff_prefix = "bench-staff";
  int staff_count = 50;
  std::string pin;
  std::string shoppers_file;
  std::string go_file;
  int timeout_seconds = 60;
  std::string label = "prompt_latency";
};

[[noreturn]] void Die(const std::string& why) {
  std::fprintf(stderr, "prompt_latency: %s\n", why.c_str());
  std::exit(1);
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view flag = argv[i];
    std::string value = argv[i + 1];
    if (flag == "--port") {
      o.port = static_cast<uint16_t>(std::atoi(value.c_str()));
    } else if (flag == "--staff-prefix") {
      o.staff_prefix = value;
    } else if (flag == "--staff-count") {
      o.staff_count = std::atoi(value.c_str());
    } else if (flag == "--pin") {
      o.pin = value;
    } else if (flag == "--shoppers-file") {
      o.shoppers_file = value;
    } else if (flag == "--go-file") {
      o.go_file = value;
    } else if (flag == "--timeout-seconds") {
      o.timeout_seconds = std::atoi(value.c_str());
    } else if (flag == "--label") {
      o.label = value;
    } else {
      Die("unknown argument " + std::string(flag));
    }
  }
  if (argc % 2 == 0) Die("every option takes a value");
  if (o.port == 0 || o.pin.empty() || o.shoppers_file.empty()) {
    Die("usage: --port P --pin PIN --shoppers-file F [--staff-prefix P] [--staff-count N]");
  }
  return o;
}

// One keep-alive HTTP/1.1 connection, used synchronously.
class HttpClient {
 public:
  explicit HttpClient(uint16_t port) : stream_(io_) {
    stream_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    stream_.socket().set_option(tcp::no_delay(true));
  }

  http::response<http::string_body> Post(
      const std::string& target, const std::string& body,
      const std::vector<std::pair<std::string, std::string>>& headers) {
    http::request<http::string_body> request(http::verb::post, target, 11);
    request.set(http::field::host, "localhost");
    request.set(http::field::content_type, "application/json");
    for (const auto& [name, value] : headers) request.set(name, value);
    request.body() = body;
    request.prepare_payload();
    http::write(stream_, request);
    http::response<http::string_body> response;
    http::read(stream_, buffer_, response);
    return response;
  }

 private:
  asio::io_context io_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
};

json::object ParseObject(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) Die("not a JSON object: " + text.substr(0, 200));
  return v.as_object();
}

// Every "added" frame's arrival time, per console, by prompt id. Thread-safe.
class Arrivals {
 public:
  explicit Arrivals(size_t consoles) : by_console_(consoles) {}
  void Record(size_t console, std::string id, Clock::time_point at) {
    std::lock_guard lock(mu_);
    by_console_[console].emplace(std::move(id), at);
    ++total_;
  }
  size_t total() const {
    std::lock_guard lock(mu_);
    return total_;
  }
  std::optional<Clock::time_point> At(size_t console, const std::string& id) const {
    std::lock_guard lock(mu_);
    auto it = by_console_[console].find(id);
    if (it == by_console_[console].end()) return std::nullopt;
    return it->second;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::unordered_map<std::string, Clock::time_point>> by_console_;
  size_t total_ = 0;
};

// One staff console: a WebSocket reading frames on the shared io_context.
class Console {
 public:
  Console(asio::io_context& io, size_t index, Arrivals& arrivals)
      : ws_(io), index_(index), arrivals_(arrivals) {}

  // Synchronous set-up: connect, upgrade, auth, snapshot.
  void Open(uint16_t port, const std::string& token) {
    beast::get_lowest_layer(ws_).connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    beast::get_lowest_layer(ws_).socket().set_option(tcp::no_delay(true));
    ws_.handshake("localhost", "/v1/staff/stream");
    ws_.text(true);
    std::string auth = json::serialize(json::object{{"type", "auth"}, {"token", token}});
    ws_.write(asio::buffer(auth));
    ws_.read(buffer_);
    json::object snapshot = ParseObject(beast::buffers_to_string(buffer_.data()));
    buffer_.consume(buffer_.size());
    if (snapshot["type"] != "snapshot")
      Die("expected a snapshot, got " + json::serialize(snapshot));
  }

  void StartReading() {
    ws_.async_read(buffer_, [this](beast::error_code ec, size_t) {
      const auto now = Clock::now();
      if (ec) {
        if (!closing_)
          std::fprintf(stderr, "prompt_latency: console %zu: %s\n", index_, ec.message().c_str());
        return;
      }
      // {"type":"added","id":"h_...","prompt":{...}}: parse only what is needed.
      json::object frame = ParseObject(beast::buffers_to_string(buffer_.data()));
      buffer_.consume(buffer_.size());
      if (frame["type"] == "added")
        arrivals_.Record(index_, json::value_to<std::string>(frame["id"]), now);
      StartReading();
    });
  }

  void Close() {
    closing_ = true;
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

 private:
  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  size_t index_;
  Arrivals& arrivals_;
  std::atomic<bool> closing_{false};
};

double Percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t i = static_cast<size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

}  // namespace

int main(int argc, char** argv) {
  const Options o = ParseArgs(argc, argv);

  // Shopper check-in lines: {"headers":{...},"body":"..."}.
  std::vector<json::object> shoppers;
  {
    std::ifstream in(o.shoppers_file);
    if (!in) Die("cannot read " + o.shoppers_file);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) shoppers.push_back(ParseObject(line));
    }
  }
  if (shoppers.empty()) Die("no shoppers in " + o.shoppers_file);

  HttpClient rest(o.port);

  // 1. Consoles.
  asio::io_context io;
  Arrivals arrivals(static_cast<size_t>(o.staff_count));
  std::vector<std::unique_ptr<Console>> consoles;
  for (int i = 1; i <= o.staff_count; ++i) {
    const std::string id = o.staff_prefix + "-" + std::to_string(i);
    auto response = rest.Post("/v1/staff/login",
                              json::serialize(json::object{{"staff_id", id}, {"pin", o.pin}}), {});
    if (response.result_int() != 200) Die("login " + id + ": " + response.body());
    const std::string token = json::value_to<std::string>(ParseObject(response.body())["token"]);
    auto console = std::make_unique<Console>(io, consoles.size(), arrivals);
    console->Open(o.port, token);
    consoles.push_back(std::move(console));
  }
  for (auto& console : consoles) console->StartReading();
  auto work = asio::make_work_guard(io);
  std::thread reader([&io] { io.run(); });

  // 2. Check-ins.
  std::vector<std::string> visit_tokens;
  for (auto& line : shoppers) {
    std::vector<std::pair<std::string, std::string>> headers;
    for (const auto& [name, value] : line["headers"].as_object()) {
      headers.emplace_back(std::string(name), json::value_to<std::string>(value));
    }
    auto response = rest.Post("/v1/checkins", json::value_to<std::string>(line["body"]), headers);
    if (response.result_int() != 201) Die("check-in: " + response.body());
    visit_tokens.push_back(
        json::value_to<std::string>(ParseObject(response.body())["visit_token"]));
  }
  std::fprintf(stderr, "prompt_latency: %d consoles live, %zu shoppers checked in; ready\n",
               o.staff_count, visit_tokens.size());

  // 3. Wait for the go signal (other load running).
  if (!o.go_file.empty()) {
    while (!std::filesystem::exists(o.go_file)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  // 4. Help requests, one after the other.
  const std::string ask =
      json::serialize(json::object{{"topic", "product advice"}, {"expertise", "beginner"}});
  std::vector<std::pair<std::string, Clock::time_point>> sent;
  std::vector<double> post_ms;
  const auto phase_start = Clock::now();
  for (const auto& visit_token : visit_tokens) {
    const auto t0 = Clock::now();
    auto response = rest.Post("/v1/assist", ask, {{"authorization", "Bearer " + visit_token}});
    post_ms.push_back(Ms(Clock::now() - t0));
    if (response.result_int() != 201) Die("assist: " + response.body());
    json::object body = ParseObject(response.body());
    sent.emplace_back(json::value_to<std::string>(body["request"].as_object()["id"]), t0);
  }
  const double phase_seconds = Ms(Clock::now() - phase_start) / 1000.0;

  // 5. Every console, every frame.
  const size_t expected = sent.size() * consoles.size();
  const auto deadline = Clock::now() + std::chrono::seconds(o.timeout_seconds);
  while (arrivals.total() < expected && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (auto& console : consoles) asio::post(io, [c = console.get()] { c->Close(); });
  work.reset();
  reader.join();

  std::vector<double> latencies;
  latencies.reserve(expected);
  size_t missing = 0;
  for (size_t c = 0; c < consoles.size(); ++c) {
    for (const auto& [id, t0] : sent) {
      auto at = arrivals.At(c, id);
      if (!at) {
        ++missing;
        continue;
      }
      latencies.push_back(Ms(*at - t0));
    }
  }
  std::sort(latencies.begin(), latencies.end());
  std::sort(post_ms.begin(), post_ms.end());
  json::object out{{"label", o.label},
                   {"consoles", o.staff_count},
                   {"requests", sent.size()},
                   {"deliveries", latencies.size()},
                   {"missing", missing},
                   {"p50_ms", Percentile(latencies, 0.50)},
                   {"p99_ms", Percentile(latencies, 0.99)},
                   {"max_ms", latencies.empty() ? 0.0 : latencies.back()},
                   {"post_p50_ms", Percentile(post_ms, 0.50)},
                   {"post_p99_ms", Percentile(post_ms, 0.99)},
                   {"requests_per_second", static_cast<double>(sent.size()) / phase_seconds}};
  std::printf("%s\n", json::serialize(out).c_str());
  return missing == 0 ? 0 : 1;
}
