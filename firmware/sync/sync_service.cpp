#include "sync/sync_service.h"

#include <utility>

#include "platform/log.h"
#include "sync/hq_transport.h"

namespace optin::sync {
namespace log = platform::log;

Result<std::unique_ptr<SyncService>> SyncService::Create(
    SyncServiceConfig config, store::Database& db, const platform::Clock& clock,
    platform::Random& random, const provisioning::DeviceIdentity& identity,
    const consent::ConsentLedger& ledger) {
  std::unique_ptr<SyncService> s(new SyncService());
  s->config_ = std::move(config);
  s->db_ = &db;
  s->clock_ = &clock;
  s->random_ = &random;
  // The device TLS key (the one HQ's CA certified): batches are verified against the client
  // certificate. A copy, so that a reload replacing the identity cannot pull it away.
  OPTIN_ASSIGN_OR_RETURN(auto key, platform::EcdsaPrivateKey::FromPem(identity.key_pem()));
  s->key_ = std::make_unique<platform::EcdsaPrivateKey>(std::move(key));
  s->cert_chain_pem_ = identity.server_cert_chain_pem();
  s->key_pem_ = identity.key_pem();
  s->hq_ca_pem_ = identity.hq_ca_pem();
  s->provisioned_ = identity.is_provisioned();
  OPTIN_TRY(ParseHqUrl(s->config_.hq_url));

  // Each batch reports the bundles in force with the ETag of the HQ bundle file (as the
  // fetcher last saw it).
  if (auto versions = s->config_.policy.bundles_in_force) {
    SyncService* self = s.get();
    s->config_.policy.bundles_in_force = [versions, self] {
      BundlesInForce in_force = versions();
      if (BundleFetcher* fetcher = self->fetcher_view_.load()) {
        for (const auto& [kind, st] : fetcher->stats()) {
          if (auto it = in_force.find(kind); it != in_force.end()) it->second.etag = st.etag;
        }
      }
      return in_force;
    };
  }
  const BatchSigner signer = MakeJwsSigner(*s->key_, random);
  s->recorder_ = std::make_unique<EventRecorder>(clock, ledger);
  s->outbox_ = std::make_unique<Outbox>(clock, s->config_.outbox, signer);
  s->aggregator_ =
      std::make_unique<Aggregator>(clock, random, s->config_.policy, *s->outbox_, signer);
  return s;
}

// Held by a database job of this object; its end (the last thing the job's completion does)
// lets Stop return. Move-only, so the std::function that carries it must be copyable: it is
// kept in a shared_ptr.
class SyncService::JobTicket {
 public:
  explicit JobTicket(const SyncService* s) : s_(s) {}
  JobTicket(JobTicket&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  JobTicket& operator=(JobTicket&&) = delete;
  ~JobTicket() {
    if (s_ == nullptr) return;
    std::lock_guard lock(s_->jobs_mu_);
    if (--s_->jobs_in_flight_ == 0) s_->jobs_cv_.notify_all();
  }

 private:
  const SyncService* s_;
};

std::optional<SyncService::JobTicket> SyncService::StartJob() const {
  std::lock_guard lock(jobs_mu_);
  if (stopped_) return std::nullopt;
  ++jobs_in_flight_;
  return JobTicket(this);
}

namespace {

Error Stopping() {
  return Error{ErrorCode::kUnavailable, "HQ sync is stopping", {}, "sync-stopping"};
}

}  // namespace

SyncService::~SyncService() { Stop(); }

void SyncService::Start(const SyncHost& host) {
  std::string off_reason;
  if (!provisioned_) {
    off_reason =
        "the device is not provisioned (no HQ-issued certificate): batches wait in the "
        "outbox; run optinctl provision";
  } else if (!hq_ca_pem_) {
    off_reason = "hq-ca.pem is missing: batches wait in the outbox";
  }
  if (off_reason.empty()) {
    auto url = ParseHqUrl(config_.hq_url);
    Result<std::unique_ptr<HqTransport>> transport =
        url ? host.connect(*url, HqCredentials{*hq_ca_pem_, cert_chain_pem_, key_pem_},
                           config_.timeout)
            : std::unexpected(url.error());
    if (!transport) {
      off_reason = transport.error().message;
    } else {
      HqTransport& channel = **transport;
      transport_ = std::move(*transport);
      uploader_ = std::make_unique<Uploader>(*db_, *outbox_, *transport_, *clock_, *random_);
      uploader_->Start();
      if (!config_.bundle_kinds.empty()) {
        fetcher_ = std::make_unique<BundleFetcher>(channel, config_.bundle_kinds, *clock_);
        fetcher_view_ = fetcher_.get();
        fetcher_->Start(std::chrono::seconds(config_.policy.period_seconds()));
        std::string kinds;
        for (const BundleKind& k : config_.bundle_kinds)
          kinds += (kinds.empty() ? "" : ",") + k.kind;
        log::Info("hq.bundles_on",
                  {{"kinds", kinds}, {"every_seconds", config_.policy.period_seconds()}});
      }
      log::Info("hq.sync_on",
                {{"hq_url", config_.hq_url},
                 {"period_seconds", config_.policy.period_seconds()},
                 {"epsilon_per_period_micros", config_.policy.period_epsilon_micros()},
                 {"epsilon_per_day_micros", config_.policy.epsilon_per_day_micros}});
    }
  }
  if (!off_reason.empty()) log::Warn("hq.upload_off", {{"reason", off_reason}});
  off_reason_ = off_reason;
  ReleaseDue();
  CleanUp();  // what an interrupted clean-up (a stop, a crash) left
  host.every(std::chrono::seconds(30), [this] { ReleaseDue(); });
}

namespace {

void LogOutcomes(const std::vector<PeriodOutcome>& outcomes) {
  for (const PeriodOutcome& o : outcomes) {
    (o.outcome == "released" ? log::Info : log::Warn)("hq.period",
                                                      {{"outcome", o.outcome},
                                                       {"manual", o.manual},
                                                       {"period_start", o.period_start},
                                                       {"period_end", o.period_end},
                                                       {"events", o.events},
                                                       {"epsilon_micros", o.epsilon_micros}});
  }
}

}  // namespace

void SyncService::ReleaseDue() {
  const int64_t now = clock_->NowUnix();
  if (now < next_close_.load() || releasing_.exchange(true)) return;
  auto started = StartJob();
  if (!started) {
    releasing_ = false;
    return;
  }
  auto ticket = std::make_shared<JobTicket>(std::move(*started));
  auto more = std::make_shared<bool>(false);
  db_->Write(
      [this, more](store::Connection& c) -> Status {
        OPTIN_ASSIGN_OR_RETURN(auto outcomes, aggregator_->ReleaseClosedPeriods(c));
        OPTIN_ASSIGN_OR_RETURN(*more, aggregator_->MoreToRelease(c));
        OPTIN_ASSIGN_OR_RETURN(int64_t merged, outbox_->Compact(c));
        LogOutcomes(outcomes);
        if (merged > 0) log::Warn("hq.outbox_merged", {{"batches_merged", merged}});
        return Ok();
      },
      [this, now, more, ticket](Status s) mutable {
        const auto end_of_job = std::move(ticket);  // released last, when this returns
        releasing_ = false;
        if (!s) {
          // Rolled back: the events stay, the next tick tries again (e.g. after a full disk).
          log::Error("hq.release_failed", {{"error", s.error().message}});
          return;
        }
        // A long catch-up goes on at the next tick (max_catch_up_periods per write job).
        if (!*more) next_close_ = aggregator_->NextCloseAfter(now);
        if (uploader_) uploader_->Wake();
        CleanUp();
      });
}

void SyncService::ReleaseNow(std::function<void(Result<std::vector<PeriodOutcome>>)> done) {
  if (!config_.allow_manual_release) {
    done(Fail(ErrorCode::kPermissionDenied,
              "Manual releases are off: they are for development only. Set "
              "sync.allow_manual_release = true in the configuration (tools/run --with-hq "
              "does) to use them.",
              "sync.allow_manual_release", "manual-release-off"));
    return;
  }
  auto started = StartJob();
  if (!started) return done(std::unexpected(Stopping()));
  auto ticket = std::make_shared<JobTicket>(std::move(*started));
  db_->Write<std::vector<PeriodOutcome>>(
      [this](store::Connection& c) -> Result<std::vector<PeriodOutcome>> {
        OPTIN_ASSIGN_OR_RETURN(auto outcomes, aggregator_->ReleaseNow(c));
        OPTIN_ASSIGN_OR_RETURN(int64_t merged, outbox_->Compact(c));
        if (merged > 0) log::Warn("hq.outbox_merged", {{"batches_merged", merged}});
        return outcomes;
      },
      [this, done = std::move(done), ticket](Result<std::vector<PeriodOutcome>> r) mutable {
        const auto end_of_job = std::move(ticket);  // released last, when this returns
        if (r) {
          LogOutcomes(*r);
          if (uploader_) uploader_->Wake();
          CleanUp();
        }
        done(std::move(r));
      });
}

void SyncService::ReadStatus(std::function<void(Result<SyncStatus>)> done) const {
  SyncStatus base;
  base.upload = stats();
  base.uploading = uploader_ != nullptr;
  base.upload_off_reason = off_reason_;
  base.period_seconds = config_.policy.period_seconds();
  base.next_release_at = aggregator_->NextCloseAfter(clock_->NowUnix());
  base.allow_manual_release = config_.allow_manual_release;
  if (config_.policy.bundles_in_force) base.bundles_in_force = config_.policy.bundles_in_force();
  if (fetcher_) base.bundle_fetches = fetcher_->stats();
  auto started = StartJob();
  if (!started) return done(std::unexpected(Stopping()));
  auto ticket = std::make_shared<JobTicket>(std::move(*started));
  auto st = db_->TryRead([this, base, done, ticket](store::Connection& c) mutable {
    const auto end_of_job = std::move(ticket);  // released last, when this returns
    auto release = aggregator_->ReadStatus(c);
    if (!release) return done(std::unexpected(release.error()));
    auto depth = outbox_->Depth(c);
    if (!depth) return done(std::unexpected(depth.error()));
    base.release = *release;
    base.outbox = *depth;
    done(std::move(base));
  });
  if (!st) {
    ticket.reset();  // the job was not queued: nothing of it will run
    done(std::unexpected(st.error()));
  }
}

void SyncService::CleanUp() {
  if (stopped_ || cleaning_.exchange(true)) return;
  CleanUpChunk(0);
}

void SyncService::CleanUpChunk(int64_t deleted_so_far) {
  auto started = StartJob();
  if (!started) {
    cleaning_ = false;
    return;
  }
  auto ticket = std::make_shared<JobTicket>(std::move(*started));
  db_->Write<int64_t>(
      [](store::Connection& c) { return Aggregator::DeleteReleasedEvents(c, kCleanupChunk); },
      [this, deleted_so_far, ticket](Result<int64_t> deleted) mutable {
        const auto end_of_job = std::move(ticket);  // released last, when this returns
        if (!deleted) {
          // Nothing lost: the released events stay marked; the next release or start retries.
          log::Error("hq.cleanup_failed", {{"error", deleted.error().message}});
          cleaning_ = false;
          return;
        }
        const int64_t total = deleted_so_far + *deleted;
        if (*deleted >= kCleanupChunk && !stopped_) {
          CleanUpChunk(total);  // the next chunk queues behind whatever else is waiting
          return;
        }
        if (total > 0) log::Info("hq.released_events_deleted", {{"events", total}});
        cleaning_ = false;
      });
}

void SyncService::Stop() {
  {
    std::lock_guard lock(jobs_mu_);  // no job starts after this
    stopped_ = true;
  }
  // The loop that brings HQ's answers may have stopped already (a shutdown): nobody waits for
  // one any longer, so the threads below can be joined.
  if (transport_) transport_->Cancel();
  if (fetcher_) fetcher_->Stop();
  if (uploader_) uploader_->Stop();
  // The database runs or refuses every queued job, and then its completion: wait for those of
  // this object, which touch it.
  std::unique_lock lock(jobs_mu_);
  jobs_cv_.wait(lock, [this] { return jobs_in_flight_ == 0; });
}

UploaderStats SyncService::stats() const {
  UploaderStats s = uploader_ ? uploader_->stats() : UploaderStats{};
  if (fetcher_) s.bundles = fetcher_->stats();
  return s;
}

}  // namespace optin::sync
