#include "app/sync_admin_routes.h"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

namespace optin::app {
namespace json = boost::json;
using sync::PeriodOutcome;
using sync::ReleaseStatus;
using sync::SyncService;
using sync::SyncStatus;

namespace {

constexpr std::string_view kProblem = "urn:optin-edge:problem:";

net::Response ProblemOf(const Error& e) {
  int status = 500;
  switch (e.code) {
    case ErrorCode::kPermissionDenied: status = 403; break;
    case ErrorCode::kFailedPrecondition: status = 409; break;
    case ErrorCode::kResourceExhausted: status = 503; break;
    default: break;
  }
  if (e.reason == "storage-failed") status = 503;  // EIO: nothing was saved; try again soon
  const std::string reason = e.reason.empty() ? "sync" : e.reason;
  return net::Response::Problem(status, std::string(kProblem) + reason, reason, e.message, e.field);
}

net::Response SyncOff() {
  return net::Response::Problem(409, std::string(kProblem) + "sync-off", "sync-off",
                                "HQ sync is off: sync.hq_url is empty in the configuration.",
                                "sync.hq_url");
}

}  // namespace

json::object SyncStatusJson(const SyncStatus& s) {
  const ReleaseStatus& r = s.release;
  // The signed bundles: the version in force of each kind, and for those taken from HQ the
  // ETag of the bundle file in force and the last fetch.
  json::object bundles;
  for (const auto& [kind, b] : s.bundles_in_force) {
    bundles[kind] = json::object{{"version", b.version}, {"from_hq", false}};
  }
  for (const auto& [kind, f] : s.bundle_fetches) {
    json::object& o =
        bundles[kind].is_object() ? bundles[kind].as_object() : bundles[kind].emplace_object();
    o["from_hq"] = true;
    o["etag"] = f.etag;
    o["last_outcome"] = f.last_outcome;
    o["last_reason"] = f.last_reason;
    o["last_fetch_at"] = f.last_fetch_at;
    o["applied"] = f.applied;
    o["not_modified"] = f.not_modified;
    o["refused"] = f.refused;
    o["failed"] = f.failed;
  }
  return json::object{
      {"bundles", std::move(bundles)},
      {"period_seconds", s.period_seconds},
      {"next_release_at", s.next_release_at},
      {"allow_manual_release", s.allow_manual_release},
      {"periods_released", r.periods_released},
      {"periods_released_today", r.periods_released_today},
      {"last_period_end", r.last_period_end},
      {"last_release_at", r.last_decided_at},
      {"pending_events", r.pending_events},
      {"budget",
       json::object{{"epsilon_spent_today_micros", r.epsilon_spent_today_micros},
                    {"epsilon_per_day_micros", r.epsilon_per_day_micros},
                    {"budgeted_epsilon_per_day_micros", r.budgeted_epsilon_per_day_micros}}},
      {"outbox", json::object{{"pending", s.outbox.pending},
                              {"rejected", s.outbox.rejected},
                              {"oldest_age_seconds", s.outbox.oldest_age_seconds}}},
      {"upload", json::object{{"on", s.uploading},
                              {"off_reason", s.upload_off_reason},
                              {"last_attempt_at", s.upload.last_attempt_at},
                              {"last_delivered_at", s.upload.last_delivered_at},
                              {"batches_sent", s.upload.batches_sent},
                              {"batches_rejected", s.upload.batches_rejected},
                              {"consecutive_failures", s.upload.consecutive_failures},
                              {"last_error", s.upload.last_error}}},
  };
}

json::object ReleaseJson(const std::vector<PeriodOutcome>& outcomes, const SyncStatus* after) {
  json::array released;
  int64_t spent = 0;
  for (const PeriodOutcome& o : outcomes) {
    released.push_back(json::object{{"batch_id", o.batch_id},
                                    {"period_start", o.period_start},
                                    {"period_end", o.period_end},
                                    {"outcome", o.outcome},
                                    {"manual", o.manual},
                                    {"events", o.events},
                                    {"epsilon_micros", o.epsilon_micros}});
    spent += o.epsilon_micros;
  }
  json::object out{{"released", std::move(released)}, {"epsilon_spent_micros", spent}};
  if (after) out["status"] = SyncStatusJson(*after);
  return out;
}

void RegisterSyncAdminRoutes(net::Router& router, SyncService* service) {
  router.Add("GET", "/v1/admin/sync/status", [service](net::Request&&, net::Responder respond) {
    if (!service) return respond(SyncOff());
    auto shared = std::move(respond).Share();
    service->ReadStatus([shared](Result<SyncStatus> s) {
      if (!s) return (*shared)(ProblemOf(s.error()));
      (*shared)(net::Response::Json(200, json::serialize(SyncStatusJson(*s))));
    });
  });
  router.Add("POST", "/v1/admin/sync/release", [service](net::Request&&, net::Responder respond) {
    if (!service) return respond(SyncOff());
    auto shared = std::move(respond).Share();
    service->ReleaseNow([service, shared](Result<std::vector<PeriodOutcome>> r) {
      if (!r) return (*shared)(ProblemOf(r.error()));
      // The budget as it stands after the release, so that the caller can say what it cost.
      service->ReadStatus([shared, outcomes = *r](Result<SyncStatus> s) {
        (*shared)(
            net::Response::Json(200, json::serialize(ReleaseJson(outcomes, s ? &*s : nullptr))));
      });
    });
  });
}

}  // namespace optin::app
