#include "sync/uploader.h"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <map>

#include "platform/log.h"

namespace optin::sync {
namespace json = boost::json;
namespace log = platform::log;

bool MaybeSent(const Error& error) {
  // Failures before the request could be written: nothing reached HQ.
  static constexpr std::string_view kBeforeSending[] = {"resolve-failed", "connection-refused",
                                                        "connect-failed", "tls-certificate",
                                                        "tls-handshake",  "not-configured"};
  for (std::string_view r : kBeforeSending) {
    if (error.reason == r) return false;
  }
  return true;
}

Uploader::Uploader(store::Database& db, const Outbox& outbox, BatchTransport& transport,
                   const platform::Clock& clock, platform::Random& random)
    : db_(db), outbox_(outbox), transport_(transport), clock_(clock), random_(random) {}

Uploader::~Uploader() { Stop(); }

std::chrono::milliseconds Uploader::Backoff(int64_t failures) {
  const auto& p = outbox_.policy();
  int64_t ceiling = std::max<int64_t>(1, p.backoff_initial.count());
  for (int64_t i = 1; i < failures && ceiling < p.backoff_max.count(); ++i) ceiling *= 2;
  ceiling = std::min<int64_t>(ceiling, p.backoff_max.count());
  return std::chrono::milliseconds(
      static_cast<int64_t>(random_.Uniform(static_cast<uint64_t>(ceiling) + 1)));
}

platform::MonoTime Uploader::next_attempt() const {
  std::lock_guard lock(mu_);
  return next_attempt_;
}

UploaderStats Uploader::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

StepResult Uploader::Step() {
  {
    std::lock_guard lock(mu_);
    if (clock_.Monotonic() < next_attempt_) return StepResult::kNotDue;
  }
  auto merged = db_.WriteSync<int64_t>(
      [this](store::Connection& c) -> Result<int64_t> { return outbox_.Compact(c); });
  if (!merged) {
    log::Error("hq.outbox_compact_failed", {{"error", merged.error().message}});
  } else if (*merged > 0) {
    log::Warn("hq.outbox_merged", {{"batches_merged", *merged}});
    std::lock_guard lock(mu_);
    stats_.batches_merged += static_cast<uint64_t>(*merged);
  }
  const int64_t per_request = std::max<int64_t>(1, outbox_.policy().batches_per_request);
  auto head = db_.ReadSync<std::vector<OutboxBatch>>(
      [this, per_request](store::Connection& c) { return outbox_.Head(c, per_request); });
  auto depth = db_.ReadSync<OutboxDepth>([this](store::Connection& c) { return outbox_.Depth(c); });
  if (depth) {
    std::lock_guard lock(mu_);
    stats_.outbox_pending = depth->pending;
    stats_.outbox_rejected = depth->rejected;
    stats_.oldest_batch_age_seconds = depth->oldest_age_seconds;
  }
  if (!head) {
    log::Error("hq.outbox_read_failed", {{"error", head.error().message}});
    return StepResult::kFailed;
  }
  if (head->empty()) return StepResult::kIdle;

  json::array jws;
  std::vector<std::string> ids;
  for (const OutboxBatch& b : *head) {
    jws.emplace_back(b.jws);
    ids.push_back(b.batch_id);
  }
  const std::string body = json::serialize(json::object{{"batches", std::move(jws)}});
  auto response = transport_.Post(body);

  std::string failure;
  bool maybe_sent = true;
  std::vector<std::string> sent;
  std::vector<std::pair<std::string, std::string>> rejected;
  uint64_t duplicates = 0;
  if (!response) {
    failure = response.error().message;
    maybe_sent = MaybeSent(response.error());
  } else if (response->status != 200) {
    failure = "HQ answered HTTP " + std::to_string(response->status);
  } else {
    boost::system::error_code ec;
    json::value v = json::parse(response->body, ec);
    const json::array* results = nullptr;
    if (!ec && v.is_object()) {
      if (auto* r = v.as_object().if_contains("results"); r && r->is_array()) {
        results = &r->as_array();
      }
    }
    if (!results) {
      failure = "HQ's answer is not a list of results";
    } else {
      std::map<std::string, std::pair<std::string, std::string>, std::less<>> by_id;
      for (const json::value& r : *results) {
        if (!r.is_object()) continue;
        const auto& o = r.as_object();
        auto str = [&o](std::string_view k) {
          const json::value* x = o.if_contains(k);
          return x && x->is_string() ? std::string(x->as_string()) : std::string();
        };
        by_id[str("batch_id")] = {str("status"), str("reason")};
      }
      for (const std::string& id : ids) {
        auto it = by_id.find(id);
        if (it == by_id.end()) continue;
        if (it->second.first == "stored" || it->second.first == "duplicate") {
          sent.push_back(id);
          if (it->second.first == "duplicate") ++duplicates;
        } else if (it->second.first == "rejected") {
          rejected.emplace_back(id, it->second.second);
        }
      }
      if (sent.size() + rejected.size() < ids.size()) failure = "HQ did not answer for every batch";
    }
  }

  std::vector<std::string> unanswered;
  for (const std::string& id : ids) {
    bool answered = std::find(sent.begin(), sent.end(), id) != sent.end() ||
                    std::any_of(rejected.begin(), rejected.end(),
                                [&id](const auto& r) { return r.first == id; });
    if (!answered) unanswered.push_back(id);
  }
  auto written = db_.WriteSync<int64_t>([&](store::Connection& c) -> Result<int64_t> {
    OPTIN_TRY(outbox_.MarkSent(c, sent));
    for (const auto& [id, reason] : rejected) OPTIN_TRY(outbox_.MarkRejected(c, id, reason));
    if (!failure.empty()) OPTIN_TRY(outbox_.RecordFailure(c, unanswered, failure, maybe_sent));
    return 0;
  });
  if (!written) {
    // HQ has what it acknowledged; sending it again is harmless (it deduplicates by batch id).
    log::Error("hq.outbox_update_failed", {{"error", written.error().message}});
    if (failure.empty()) failure = "could not record HQ's answer: " + written.error().message;
  }
  for (const auto& [id, reason] : rejected) {
    log::Error("hq.batch_rejected", {{"batch_id", id}, {"reason", reason}});
  }

  std::lock_guard lock(mu_);
  stats_.last_attempt_at = clock_.NowUnix();
  if (!sent.empty()) stats_.last_delivered_at = stats_.last_attempt_at;
  stats_.batches_sent += sent.size();
  stats_.batches_duplicate += duplicates;
  stats_.batches_rejected += rejected.size();
  if (written) {
    stats_.outbox_pending = std::max<int64_t>(
        0, stats_.outbox_pending - static_cast<int64_t>(sent.size() + rejected.size()));
  }
  if (failure.empty()) {
    stats_.consecutive_failures = 0;
    stats_.last_error.clear();
    next_attempt_ = clock_.Monotonic();
    log::Info("hq.batches_sent", {{"batches", sent.size()},
                                  {"duplicates", duplicates},
                                  {"rejected", rejected.size()},
                                  {"outbox_pending", stats_.outbox_pending},
                                  {"oldest_batch_age_seconds", stats_.oldest_batch_age_seconds}});
    return StepResult::kDelivered;
  }
  ++stats_.attempts_failed;
  ++stats_.consecutive_failures;
  stats_.last_error = failure;
  const auto delay = Backoff(stats_.consecutive_failures);
  next_attempt_ = clock_.Monotonic() + delay;
  log::Warn("hq.upload_failed", {{"error", failure},
                                 {"maybe_sent", maybe_sent},
                                 {"consecutive_failures", stats_.consecutive_failures},
                                 {"retry_in_ms", delay.count()},
                                 {"outbox_pending", stats_.outbox_pending},
                                 {"oldest_batch_age_seconds", stats_.oldest_batch_age_seconds}});
  return StepResult::kFailed;
}

void Uploader::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Run(); });
}

void Uploader::Wake() {
  std::lock_guard lock(mu_);
  woken_ = true;
  cv_.notify_all();
}

void Uploader::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void Uploader::Run() {
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      woken_ = false;
    }
    const StepResult r = Step();
    if (r == StepResult::kDelivered) continue;
    std::unique_lock lock(mu_);
    std::chrono::nanoseconds wait = std::chrono::seconds(60);
    if (r == StepResult::kNotDue || r == StepResult::kFailed) {
      wait = std::max<std::chrono::nanoseconds>(std::chrono::milliseconds(1),
                                                next_attempt_ - clock_.Monotonic());
    }
    cv_.wait_for(lock, wait, [this] { return stopping_ || woken_; });
  }
}

}  // namespace optin::sync
