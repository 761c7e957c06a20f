// What the metrics cost: the request observer on the hot path (one call per answered request,
// from 1 and from 4 threads at once) and a scrape's serialization with the series a busy box
// has (every route of the daemon with a few status codes each). Prints figures; not a test.
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "metrics/http_metrics.h"

namespace {

using Clock = std::chrono::steady_clock;

// Roughly the daemon's routes (patterns only matter as label values).
const std::vector<std::pair<std::string, std::string>> kRoutes = {
    {"POST", "/v1/checkins"},
    {"POST", "/v1/checkins/current/end"},
    {"GET", "/v1/me"},
    {"DELETE", "/v1/me"},
    {"PUT", "/v1/me/consents/{purpose}"},
    {"GET", "/v1/me/receipts"},
    {"PUT", "/v1/me/interests"},
    {"GET", "/v1/me/why"},
    {"GET", "/v1/offers"},
    {"POST", "/v1/assist"},
    {"GET", "/v1/assist/{id}"},
    {"DELETE", "/v1/assist/{id}"},
    {"POST", "/v1/staff/login"},
    {"POST", "/v1/staff/logout"},
    {"GET", "/v1/staff/prompts"},
    {"POST", "/v1/staff/prompts/{id}/claim"},
    {"POST", "/v1/staff/prompts/{id}/resolve"},
    {"GET", "/v1/staff/stream"},
    {"GET", "/staff"},
    {"GET", "/kiosk"},
    {"GET", "/v1/kiosk/stream"},
    {"GET", "/shop"},
    {"GET", "/v1/device/keys"},
    {"GET", "/v1/store"},
    {"GET", "/healthz"},
    {"GET", "/readyz"},
    {"GET", "unmatched"},
    {"POST", "unmatched"}};
const int kStatuses[] = {200, 201, 400, 401, 403, 404, 409, 422, 429, 503};

double NanosPerCall(optin::metrics::HttpMetrics& metrics, int threads, int calls_per_thread) {
  auto& observer = metrics.Observer("public");
  const auto start = Clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&observer, t, calls_per_thread] {
      for (int i = 0; i < calls_per_thread; ++i) {
        const auto& [method, route] = kRoutes[static_cast<size_t>(i + t) % kRoutes.size()];
        observer.OnRequest(method, route, kStatuses[i % 3],
                           std::chrono::microseconds(300 + i % 700));
      }
    });
  }
  for (auto& w : workers) w.join();
  const double ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count();
  return ns / (static_cast<double>(threads) * calls_per_thread);
}

}  // namespace

int main() {
  constexpr int kCalls = 1'000'000;
  {
    prometheus::Registry registry;
    optin::metrics::HttpMetrics metrics(registry);
    std::printf("request observer, 1 thread:   %.0f ns per request\n",
                NanosPerCall(metrics, 1, kCalls));
  }
  {
    prometheus::Registry registry;
    optin::metrics::HttpMetrics metrics(registry);
    std::printf("request observer, 4 threads:  %.0f ns per request (wall time / requests)\n",
                NanosPerCall(metrics, 4, kCalls / 4));
  }
  // Every route with every status: far more series than a real box ever shows.
  prometheus::Registry registry;
  optin::metrics::HttpMetrics metrics(registry);
  auto& observer = metrics.Observer("public");
  size_t series = 0;
  for (const auto& [method, route] : kRoutes) {
    for (int status : kStatuses) {
      observer.OnRequest(method, route, status, std::chrono::milliseconds(3));
      ++series;
    }
  }
  constexpr int kScrapes = 200;
  size_t bytes = 0;
  const auto start = Clock::now();
  for (int i = 0; i < kScrapes; ++i) {
    bytes = prometheus::TextSerializer().Serialize(registry.Collect()).size();
  }
  const double ms =
      std::chrono::duration<double, std::milli>(Clock::now() - start).count() / kScrapes;
  std::printf("scrape serialization: %zu request counters (+%zu histograms): %.2f ms, %zu bytes\n",
              series, kRoutes.size(), ms, bytes);
  return 0;
}
