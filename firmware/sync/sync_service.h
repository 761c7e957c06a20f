// HQ sync put together for the daemon: the event recorder (hooked into the consent, check-in,
// help request, claim and offer view hooks by the caller: app::Domain::AttachSync), the outbox, the
// aggregator signing with the device key, a period timer on the event loop that releases closed
// periods (one write job each time, which does not delete the released events), the clean-up of
// released events in short write jobs of at most kCleanupChunk rows enqueued one after another
// (after each release, and at start so that a restart finishes an interrupted clean-up), and the
// uploader to HQ over mutual TLS when the device is provisioned (otherwise batches wait in the
// bounded outbox and the reason is logged once). For the admin listener: ReleaseNow (development
// only, allow_manual_release) and Status. Create before serving, then hook recorder() into the
// domain; Start on the loop; Stop before the database stops: it waits for the database jobs
// this object queued (their completions touch it), so it may be destroyed right after. Stop
// must not be called from a database thread. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "consent/consent_ledger.h"
#include "platform/clock.h"
#include "platform/crypto.h"
#include "platform/random.h"
#include "provisioning/device_identity.h"
#include "store/database.h"
#include "sync/aggregator.h"
#include "sync/bundle_fetcher.h"
#include "sync/event_recorder.h"
#include "sync/hq_transport.h"
#include "sync/outbox.h"
#include "sync/uploader.h"

namespace optin::sync {

// Released events deleted per clean-up write job.
inline constexpr int64_t kCleanupChunk = 5'000;

struct SyncServiceConfig {
  SyncPolicy policy;
  OutboxPolicy outbox;
  std::string hq_url;
  std::chrono::seconds timeout{10};
  // `optinctl sync release-now` (POST /v1/admin/sync/release): development only.
  bool allow_manual_release = false;
  // The signed bundles taken from HQ (GET /v1/bundles/{kind}), fetched at start and then once
  // per period over the uploader's mutual-TLS channel; none: nothing is fetched.
  std::vector<BundleKind> bundle_kinds;
};

// What `optinctl sync status` shows.
struct SyncStatus {
  ReleaseStatus release;
  OutboxDepth outbox;
  UploaderStats upload;
  bool uploading = false;  // an uploader runs (provisioned, HQ CA present)
  std::string upload_off_reason;
  int64_t period_seconds = 0;
  int64_t next_release_at = 0;
  bool allow_manual_release = false;
  BundlesInForce bundles_in_force;     // what the next batch reports
  BundleFetchStatsMap bundle_fetches;  // per kind taken from HQ
};

class SyncService {
 public:
  static Result<std::unique_ptr<SyncService>> Create(SyncServiceConfig config, store::Database& db,
                                                     const platform::Clock& clock,
                                                     platform::Random& random,
                                                     const provisioning::DeviceIdentity& identity,
                                                     const consent::ConsentLedger& ledger);
  ~SyncService();

  // Starts the period timer (checks every 30 s, host.every) and the uploader over
  // host.connect (when possible). `host` is used only during the call.
  void Start(const SyncHost& host);
  void Stop();

  // Development only: releases the closed periods and then the current one up to now, in one
  // write job of the single writer, spending budget like any release. Refused with
  // kPermissionDenied (reason "manual-release-off") unless allow_manual_release, and by the
  // aggregator when today's budget has no room. `done` runs on a database thread.
  void ReleaseNow(std::function<void(Result<std::vector<PeriodOutcome>>)> done);
  // Periods released, budget spent today, outbox depth, last upload. `done` runs on a database
  // thread.
  void ReadStatus(std::function<void(Result<SyncStatus>)> done) const;

  // For the metrics issue.
  UploaderStats stats() const;
  const EventRecorder& recorder() const { return *recorder_; }
  // The outbox's depth is read from it (Outbox::Depth in a read job) even while nothing uploads.
  const Outbox& outbox() const { return *outbox_; }

 private:
  SyncService() = default;
  void ReleaseDue();
  // Starts the chained clean-up unless one is running.
  void CleanUp();
  void CleanUpChunk(int64_t deleted_so_far);

  // The database jobs queued by this object whose completions have not yet ended. Each job
  // holds a JobTicket from before it is queued until the very end of its completion (or until
  // it is refused), and Stop waits for none to be left.
  class JobTicket;
  std::optional<JobTicket> StartJob() const;  // nullopt once Stop has begun

  SyncServiceConfig config_;
  store::Database* db_ = nullptr;
  const platform::Clock* clock_ = nullptr;
  platform::Random* random_ = nullptr;
  std::unique_ptr<platform::EcdsaPrivateKey> key_;  // a copy of the device key
  std::string cert_chain_pem_, key_pem_;
  std::string off_reason_;  // why nothing uploads (set by Start)
  std::optional<std::string> hq_ca_pem_;
  bool provisioned_ = false;
  std::unique_ptr<EventRecorder> recorder_;
  std::unique_ptr<Outbox> outbox_;
  std::unique_ptr<Aggregator> aggregator_;
  std::unique_ptr<HqTransport> transport_;
  std::unique_ptr<Uploader> uploader_;
  std::unique_ptr<BundleFetcher> fetcher_;
  std::atomic<BundleFetcher*> fetcher_view_{nullptr};  // for the database threads
  std::atomic<int64_t> next_close_{0};
  std::atomic<bool> releasing_{false};
  std::atomic<bool> cleaning_{false};
  std::atomic<bool> stopped_{false};
  mutable std::mutex jobs_mu_;
  mutable std::condition_variable jobs_cv_;
  mutable int jobs_in_flight_ = 0;
};

}  // namespace optin::sync
