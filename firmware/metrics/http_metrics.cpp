#include "metrics/http_metrics.h"

#include <array>

#include "metrics/label_sets.h"
#include "net/refusal.h"

namespace optin::metrics {
namespace {

const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0};
  return kBuckets;
}

}  // namespace

// Tags what one router reports with its listener's name.
class HttpMetrics::ListenerObserver final : public net::RequestObserver {
 public:
  ListenerObserver(HttpMetrics& metrics, prometheus::Family<prometheus::Counter>& refused,
                   std::string listener)
      : metrics_(metrics), listener_(std::move(listener)) {
    for (size_t i = 0; i < net::kRefusalReasons.size(); ++i) {
      refused_[i] =
          &refused.Add({{"listener", listener_}, {"reason", std::string(net::kRefusalReasons[i])}});
    }
  }
  void OnRequest(std::string_view method, std::string_view pattern, int status,
                 std::chrono::nanoseconds elapsed) override {
    metrics_.Record(listener_, method, pattern, status, elapsed);
  }
  void OnProblem(std::string_view pattern, std::string_view problem) override {
    metrics_.RecordProblem(listener_, pattern, problem);
  }
  void OnRefused(std::string_view reason) override {
    for (size_t i = 0; i < net::kRefusalReasons.size(); ++i) {
      if (net::kRefusalReasons[i] == reason) refused_[i]->Increment();
    }
  }

 private:
  HttpMetrics& metrics_;
  const std::string listener_;
  // One series per reason, created with the observer (the families own them).
  std::array<prometheus::Counter*, net::kRefusalReasons.size()> refused_{};
};

HttpMetrics::HttpMetrics(prometheus::Registry& registry)
    : requests_(prometheus::BuildCounter()
                    .Name("optin_http_requests_total")
                    .Help("HTTP requests answered, by listener, route pattern, method and status")
                    .Register(registry)),
      duration_(prometheus::BuildHistogram()
                    .Name("optin_http_request_duration_seconds")
                    .Help("Time from dispatch to answer, by listener, route pattern and method")
                    .Register(registry)),
      refused_(prometheus::BuildCounter()
                   .Name("optin_http_refused_total")
                   .Help("Requests refused before routing (framing, limits, WebSocket "
                         "handshakes, rate limit), by listener and reason")
                   .Register(registry)),
      problems_(prometheus::BuildCounter()
                    .Name("optin_http_problems_total")
                    .Help("Answers that were problem+json (every refusal a route or the server "
                          "made), by listener, route pattern and problem")
                    .Register(registry)) {}

HttpMetrics::~HttpMetrics() = default;

net::RequestObserver& HttpMetrics::Observer(std::string listener) {
  observers_.push_back(std::make_unique<ListenerObserver>(*this, refused_, std::move(listener)));
  return *observers_.back();
}

void HttpMetrics::Record(std::string_view listener, std::string_view method,
                         std::string_view pattern, int status, std::chrono::nanoseconds elapsed) {
  const std::string_view method_label = MethodLabel(method);
  const std::string code = StatusLabel(status);
  std::string key;
  key.reserve(listener.size() + pattern.size() + method_label.size() + code.size() + 3);
  key.append(listener).append(1, '\n').append(pattern).append(1, '\n').append(method_label);
  prometheus::Histogram* histogram = nullptr;
  prometheus::Counter* counter = nullptr;
  {
    std::lock_guard lock(mu_);
    auto h = histograms_.find(key);
    if (h == histograms_.end()) {
      prometheus::Labels labels{{"listener", std::string(listener)},
                                {"route", std::string(pattern)},
                                {"method", std::string(method_label)}};
      h = histograms_.emplace(key, &duration_.Add(labels, LatencyBuckets())).first;
    }
    histogram = h->second;
    key.append(1, '\n').append(code);
    auto c = counters_.find(key);
    if (c == counters_.end()) {
      prometheus::Labels labels{{"listener", std::string(listener)},
                                {"route", std::string(pattern)},
                                {"method", std::string(method_label)},
                                {"code", code}};
      c = counters_.emplace(key, &requests_.Add(labels)).first;
    }
    counter = c->second;
  }
  counter->Increment();
  histogram->Observe(std::chrono::duration<double>(elapsed).count());
}

void HttpMetrics::RecordProblem(std::string_view listener, std::string_view pattern,
                                std::string_view problem) {
  const bool well_formed =
      !problem.empty() && problem.size() <= 48 &&
      problem.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") == std::string_view::npos;
  std::string name(well_formed ? problem : "other");
  prometheus::Counter* counter = nullptr;
  {
    std::lock_guard lock(mu_);
    if (!problem_names_.contains(name)) {
      if (problem_names_.size() >= kMaxProblemNames) name = "other";
      problem_names_.insert(name);
    }
    std::string key;
    key.append(listener).append(1, '\n').append(pattern).append(1, '\n').append(name);
    auto c = problem_counters_.find(key);
    if (c == problem_counters_.end()) {
      prometheus::Labels labels{
          {"listener", std::string(listener)}, {"route", std::string(pattern)}, {"problem", name}};
      c = problem_counters_.emplace(key, &problems_.Add(labels)).first;
    }
    counter = c->second;
  }
  counter->Increment();
}

}  // namespace optin::metrics
