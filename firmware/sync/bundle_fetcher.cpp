#include "sync/bundle_fetcher.h"

#include "platform/crypto.h"
#include "platform/encoding.h"
#include "platform/log.h"

namespace optin::sync {
namespace log = platform::log;

std::string BundleEtag(std::string_view bytes) {
  return "\"" + platform::HexEncode(platform::Sha256(bytes)) + "\"";
}

BundleFetcher::BundleFetcher(BundleTransport& transport, std::vector<BundleKind> kinds,
                             const platform::Clock& clock)
    : transport_(transport), kinds_(std::move(kinds)), clock_(clock) {
  for (const BundleKind& k : kinds_) stats_[k.kind];
}

BundleFetcher::~BundleFetcher() { Stop(); }

void BundleFetcher::FetchOnce() {
  for (const BundleKind& k : kinds_) FetchKind(k);
}

void BundleFetcher::Record(const std::string& kind, const std::string& outcome,
                           const std::string& reason, const std::string& etag) {
  std::lock_guard lock(mu_);
  BundleFetchStats& s = stats_[kind];
  if (outcome == "applied") ++s.applied;
  if (outcome == "not-modified") ++s.not_modified;
  if (outcome == "not-published") ++s.not_published;
  if (outcome == "refused") ++s.refused;
  if (outcome == "failed") ++s.failed;
  s.last_outcome = outcome;
  s.last_reason = reason;
  s.last_fetch_at = clock_.NowUnix();
  s.etag = etag;
}

void BundleFetcher::FetchKind(const BundleKind& k) {
  std::string etag;
  if (auto bytes = k.bytes_in_force(); bytes && !bytes->empty()) etag = BundleEtag(*bytes);
  auto response = transport_.Get(k.kind, etag);
  if (!response) {
    log::Warn("hq.bundle_fetch_failed", {{"kind", k.kind}, {"error", response.error().message}});
    Record(k.kind, "failed", response.error().message, etag);
    return;
  }
  switch (response->status) {
    case 304:
      Record(k.kind, "not-modified", {}, etag);
      return;
    case 404:
      Record(k.kind, "not-published", {}, etag);
      return;
    case 200:
      break;
    default: {
      const std::string reason = "HQ answered " + std::to_string(response->status);
      log::Warn("hq.bundle_fetch_failed", {{"kind", k.kind}, {"error", reason}});
      Record(k.kind, "failed", reason, etag);
      return;
    }
  }
  const std::string fetched = BundleEtag(response->body);
  if (!response->etag.empty() && response->etag != fetched) {
    // Not the bytes HQ meant to send: refused like any bundle that fails a check.
    log::Warn("hq.bundle_refused",
              {{"kind", k.kind}, {"reason", "etag-mismatch"}, {"kept_etag", etag}});
    Record(k.kind, "refused", "etag-mismatch", etag);
    return;
  }
  Status applied = k.apply(response->body);
  if (!applied) {
    // Nothing changed; the same bundle is asked for (and refused) again next period, until HQ
    // publishes one this box accepts.
    log::Warn("hq.bundle_refused", {{"kind", k.kind},
                                    {"reason", applied.error().reason},
                                    {"message", applied.error().message},
                                    {"kept_etag", etag}});
    Record(k.kind, "refused",
           applied.error().reason.empty() ? applied.error().message : applied.error().reason, etag);
    return;
  }
  log::Info("hq.bundle_applied", {{"kind", k.kind}, {"etag", fetched}});
  Record(k.kind, "applied", {}, fetched);
}

void BundleFetcher::Start(std::chrono::seconds every) {
  thread_ = std::thread([this, every] {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      lock.unlock();
      FetchOnce();
      lock.lock();
      cv_.wait_for(lock, every, [this] { return stopping_; });
    }
  });
}

void BundleFetcher::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

BundleFetchStatsMap BundleFetcher::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace optin::sync
