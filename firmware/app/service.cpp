#include "app/service.h"

#include <boost/json/serialize.hpp>

#include "api/answer_language.h"
#include "api/assist_api.h"
#include "api/notices_api.h"
#include "api/offers_api.h"
#include "api/origin_policy.h"
#include "api/problem.h"
#include "api/shopper_api.h"
#include "api/staff_api.h"
#include "api/staff_stream.h"
#include "api/system_api.h"
#include "app/domain.h"
#include "app/listeners.h"
#include "app/reload.h"
#include "app/service_parts.h"
#include "app/sync_admin_routes.h"
#include "assist/help_requests.h"
#include "assist/prompt_feed.h"
#include "drivers/led_indicator.h"
#include "drivers/scanner.h"
#include "kiosk/kiosk_access.h"
#include "kiosk/kiosk_feed.h"
#include "kiosk/kiosk_pairing_api.h"
#include "kiosk/kiosk_pairings.h"
#include "metrics/metrics.h"
#include "net/event_loop.h"
#include "net/http_server.h"
#include "notices/notice_holder.h"
#include "notices/word_labels.h"
#include "offers/catalog_holder.h"
#include "platform/file_system.h"
#include "platform/key_store.h"
#include "platform/log.h"
#include "platform/random.h"
#include "provisioning/device_identity.h"
#include "store/database.h"
#include "sync/sync_service.h"
#include "visits/check_in_desk.h"
#include "visits/scan_check_in.h"
#include "web/static_assets.h"

#ifndef OPTIN_VERSION
#define OPTIN_VERSION "0.1.0"
#endif

// The wiring: Service::Create builds every part from the Config in start-up order (directories,
// entropy, keys, identity, database, the domain, HQ sync, metrics, catalog and notice, the
// routes, the listeners, the scanners). Listeners: listeners.cpp; reload: reload.cpp; the run
// loop: run_loop.cpp; the parts: service_parts.h.
namespace optin::app {
namespace {

// The config's labels of the store's words, as the API reads them.
notices::WordLabels InterestLabels(const Config& c) {
  return notices::WordLabels({c.store.interest_labels.begin(), c.store.interest_labels.end()});
}
notices::WordLabels TopicLabels(const Config& c) {
  return notices::WordLabels({c.assist.topic_labels.begin(), c.assist.topic_labels.end()});
}

// HQ sync ([sync]); null when hq_url is empty (then no event is even recorded).
Result<std::unique_ptr<sync::SyncService>> MakeSyncService(Service::Parts& p) {
  const Config& c = p.config;
  if (c.sync.hq_url.empty()) {
    platform::log::Info("hq.sync_off", {{"reason", "sync.hq_url is empty"}});
    return std::unique_ptr<sync::SyncService>();
  }
  sync::SyncServiceConfig sc;
  OPTIN_ASSIGN_OR_RETURN(sc.policy, SyncPrivacyPolicy(c));  // period, epsilon, [sync.budget]
  sc.policy.store_id = c.store.id;
  sc.policy.software_version = OPTIN_VERSION;
  sc.policy.topics = c.assist.topics;
  sc.policy.offer_categories = c.store.interests;
  sc.allow_manual_release = c.sync.allow_manual_release;
  sc.outbox.max_batches = c.sync.outbox_max_batches;
  sc.outbox.max_age = std::chrono::days(c.sync.outbox_max_age_days);
  sc.outbox.batches_per_request = c.sync.batches_per_request;
  sc.outbox.backoff_initial = std::chrono::seconds(c.sync.backoff_initial_seconds);
  sc.outbox.backoff_max = std::chrono::seconds(c.sync.backoff_max_seconds);
  sc.hq_url = c.sync.hq_url;
  sc.timeout = std::chrono::seconds(c.sync.timeout_seconds);
  // Bundles from HQ (issue 15 part 5): the kinds whose source is hq-bundle are fetched each
  // period; every batch reports the versions in force.
  for (std::string_view kind : {"catalog", "notice"}) {
    const std::string& source = kind == "catalog" ? c.offers.source : c.notices.source;
    if (source != "hq-bundle") continue;
    sc.bundle_kinds.push_back(sync::BundleKind{
        std::string(kind), [&p, kind] { return BundleBytesInForce(p, kind); },
        [&p, kind](const std::string& bytes) { return ApplyFetchedBundle(p, kind, bytes); }});
  }
  sc.policy.bundles_in_force = [&p] {
    sync::BundlesInForce in_force;
    if (auto catalog = p.domain->catalog.Current(); !catalog->version.empty()) {
      in_force["catalog"].version = catalog->version;
    }
    if (auto notice = p.domain->notices->Current()) {
      in_force["notice"].version = std::to_string(notice->version);
    }
    return in_force;
  };
  return sync::SyncService::Create(std::move(sc), *p.db, p.clock, *p.random, *p.identity,
                                   *p.domain->ledger);
}

}  // namespace

Service::Parts::Parts(platform::FileSystem& door) : fs(door) {}
Service::Parts::~Parts() = default;

Service::Service(std::unique_ptr<Parts> parts) : p_(std::move(parts)) {}

Service::~Service() {
  if (p_ && p_->db) p_->db->Stop();
}

uint16_t Service::port() const { return p_->port; }

std::vector<Service::RouteInfo> Service::Routes() const {
  std::vector<RouteInfo> out;
  for (const auto& r : p_->router.Routes()) out.push_back({"public", r.method, r.pattern});
  for (const auto& r : p_->admin_router.Routes()) out.push_back({"admin", r.method, r.pattern});
  return out;
}

Result<std::unique_ptr<Service>> Service::Create(Config config, platform::FileSystem& fs) {
  auto p = std::make_unique<Parts>(fs);
  p->config = std::move(config);
  Config& c = p->config;
  platform::log::SetMinLevel(ParseLevel(c.log.level));

  OPTIN_TRY(p->fs.CreateDirectories(c.data_dir, 0700));
  OPTIN_ASSIGN_OR_RETURN(p->random, platform::CtrDrbg::Create("optin-edged"));
  OPTIN_ASSIGN_OR_RETURN(p->keys, platform::KeyStore::Open(p->fs, *p->random, c.data_dir));
  OPTIN_ASSIGN_OR_RETURN(p->identity, LoadIdentity(*p));
  if (const auto& provisioned = p->identity->store_id()) {
    if (c.store.id != Config{}.store.id && c.store.id != *provisioned) {
      return Fail(ErrorCode::kInvalidArgument,
                  "store.id in the config is '" + c.store.id +
                      "' but the device was provisioned "
                      "as '" +
                      *provisioned + "'; remove store.id from the config or re-provision",
                  "store.id");
    }
    c.store.id = *provisioned;
  }

  p->feed = std::make_unique<assist::PromptFeed>(256);
  store::DatabaseOptions db_options;
  db_options.file = c.database_file();
  db_options.max_pending_writes = static_cast<size_t>(c.limits.write_queue);
  db_options.fs = &p->fs;
  OPTIN_ASSIGN_OR_RETURN(p->db, store::Database::Open(db_options));

  OPTIN_ASSIGN_OR_RETURN(auto hq_key, LoadHqTokenKey(p->fs, c.hq_token_key_file()));
  if (!hq_key) {
    platform::log::Warn("hq.token_key_missing",
                        {{"path", c.hq_token_key_file().string()},
                         {"hint",
                          "app tokens are refused until the device is provisioned; for "
                          "development run: optinctl token init-dev"}});
  }

  // Every domain module and every hook between them, as the tests build them too.
  p->domain = Domain::Build(DomainSettings::FromConfig(c), DomainKeys::FromKeyStore(*p->keys),
                            p->clock, *p->random, *p->feed, std::move(hq_key));
  Domain& d = *p->domain;
  OPTIN_ASSIGN_OR_RETURN(p->hq_sync, MakeSyncService(*p));
  if (p->hq_sync) p->domain->AttachSync(p->hq_sync->recorder());
  // Prometheus metrics (GET /metrics on the admin listener): domain counts after commit, request
  // counts per route pattern, gauges read at scrape time. Nothing personal in any label.
  {
    std::vector<std::string> scanner_names;
    for (const drivers::ScannerConfig& sc : c.scanners) scanner_names.push_back(sc.name);
    p->metrics = std::make_unique<metrics::Metrics>(metrics::MetricsDeps{
        *p->db, p->clock, *d.ledger, *d.visits, *d.desk,
        p->hq_sync ? &p->hq_sync->outbox() : nullptr, c.assist.topics, std::move(scanner_names),
        OPTIN_VERSION,
        p->hq_sync
            ? metrics::HqUploadMetrics::StatsSource([hq = p->hq_sync.get()] { return hq->stats(); })
            : metrics::HqUploadMetrics::StatsSource()});
    p->router.SetObserver(&p->metrics->RequestObserver("public"));
    p->admin_router.SetObserver(&p->metrics->RequestObserver("admin"));
  }
  // Browsers that reached the public listener over TLS keep to HTTPS for a year (HSTS); not on
  // plain HTTP (RFC 6797 ignores it there) and not on the loopback admin listener.
  p->router.AddTlsResponseHeader("Strict-Transport-Security", "max-age=31536000");
  // Every /v1/ problem in the caller's language (Accept-Language among [store] languages).
  p->router.SetAnswerFilter(api::AnswerLanguage(c.store.languages).Filter());
  // A catalog that does not load leaves the empty catalog: the box serves without offers.
  (void)LoadCatalogAndLog(*p);
  // A notice that does not load leaves the version in force; with none at all (or one without
  // a text in a store language) the box does not start: consent needs a notice to be read.
  (void)LoadNoticesAndLog(*p);
  {
    auto notice = p->domain->notices->Current();
    if (!notice) {
      return Fail(ErrorCode::kFailedPrecondition,
                  "no privacy notice is in force: fix " + c.notices_path().string() +
                      " (optinctl notice check) or remove it to use the built-in texts",
                  "notices.file", "no-notice");
    }
    for (const std::string& lang : c.store.languages) {
      if (notice->Text(lang) == nullptr) {
        return Fail(ErrorCode::kInvalidArgument,
                    "store.languages lists '" + lang + "' but the notice in force (version " +
                        std::to_string(notice->version) +
                        ") has no text in it: provide a newer notice with that language",
                    "store.languages", "no-notice-text");
      }
    }
  }

  p->shopper_api = std::make_unique<api::ShopperApi>(api::ShopperApiDeps{
      *p->db, p->clock, *d.ledger, *d.visits, *d.tokens, *d.presence, *d.pseudonymizer, d.rights,
      *d.signer, *d.interests, c.store.id, c.visits.web_code_minutes * 2});
  p->help_requests = std::make_unique<assist::HelpRequests>(*p->db, *d.visits, *d.desk);
  p->assist_api = std::make_unique<api::AssistApi>(
      api::AssistApiDeps{p->clock, *d.tokens, *d.pseudonymizer, *d.desk, *p->help_requests});
  p->staff_api = std::make_unique<api::StaffApi>(
      api::StaffApiDeps{*p->db, p->clock, *d.staff_sessions, *d.desk});
  p->system_api = std::make_unique<api::SystemApi>(api::SystemApiDeps{
      *p->db, p->keys->SigningPublicKey(), *d.ledger, *d.tokens, p->serving, c.store.interests,
      OPTIN_VERSION, c.assist.topics,
      api::StoreRetention{c.visits.max_duration_minutes, c.visits.ended_retention_hours,
                          c.visits.history_retention_days, c.consent.grant_lifetime_days},
      &d.catalog, InterestLabels(c), TopicLabels(c)});
  p->shopper_api->Register(p->router);
  p->assist_api->Register(p->router);
  p->offers_api = std::make_unique<api::OffersApi>(
      api::OffersApiDeps{*p->db, p->clock, *d.ledger, *d.visits, *d.tokens, *d.pseudonymizer,
                         *d.interests, *d.personalizer, InterestLabels(c)});
  p->offers_api->Register(p->router);
  p->staff_api->Register(p->router);
  p->staff_stream = std::make_unique<api::StaffStream>(
      api::StaffStreamDeps{*p->db, p->clock, *d.staff_sessions, *d.desk, *p->feed});
  // Both WebSockets open only from the box's own pages (the port is set once bound).
  p->origins = std::make_unique<api::OriginPolicy>(c.tls.host_names, c.tls.ip_addresses,
                                                   !c.listen.plain_http, c.listen.port);
  auto origin_check = [origins = p->origins.get()](const net::Request& upgrade) {
    return origins->Check(upgrade);
  };
  p->staff_stream->Register(p->router, origin_check);
  // The kiosk feed goes to paired kiosks only (and the box's own browser if allowed).
  p->kiosk_pairings =
      std::make_unique<kiosk::KioskPairings>(p->clock, *p->random, *d.pseudonymizer);
  p->kiosk_access =
      std::make_unique<kiosk::KioskAccess>(*p->kiosk_pairings, c.kiosk.allow_loopback);
  p->kiosk = std::make_unique<kiosk::KioskFeed>(
      *d.presence, std::string(),
      kiosk::KioskFeedOptions{.access = p->kiosk_access.get(),
                              .web_code_minutes = c.visits.web_code_minutes});
  p->kiosk->Register(p->router, origin_check);
  {
    prometheus::Gauge* paired = &prometheus::BuildGauge()
                                     .Name("optin_kiosks_paired")
                                     .Help("Kiosk screens paired and not revoked")
                                     .Register(p->metrics->registry())
                                     .Add({});
    p->kiosk_api = std::make_unique<kiosk::KioskPairingApi>(kiosk::KioskPairingApiDeps{
        *p->db, *p->kiosk_pairings, *p->kiosk_access, *p->kiosk, c.visits.web_code_minutes,
        [paired](size_t n) { paired->Set(static_cast<double>(n)); }});
  }
  p->kiosk_api->Register(p->router);
  OPTIN_TRY(p->kiosk_api->RefreshSync());
  p->system_api->Register(p->router);
  p->notices_api = std::make_unique<api::NoticesApi>(api::NoticesApiDeps{*p->db, *d.notices});
  p->notices_api->Register(p->router);
  web::RegisterStaticRoutes(p->router);
  p->system_api->Register(p->admin_router);
  p->metrics->Register(p->admin_router);
  Parts* parts = p.get();
  p->admin_router.Add("POST", "/v1/admin/reload", [parts](net::Request&&, net::Responder respond) {
    auto result = Reload(*parts);
    if (!result) return respond(api::ProblemResponse(result.error()));
    respond(net::Response::Json(200, boost::json::serialize(*result)));
  });
  // optinctl sync status | release-now (the release runs in the daemon's single writer).
  RegisterSyncAdminRoutes(p->admin_router, p->hq_sync.get());

  OPTIN_TRY(OpenListeners(*p));
  p->scan_desk = std::make_unique<visits::CheckInDesk>(*p->db, *d.tokens, *d.presence,
                                                       *d.pseudonymizer, *d.visits);
  p->scan_check_in = std::make_unique<visits::ScanCheckIn>(*p->scan_desk);
  if (c.indicator.led.empty()) {
    p->indicator = std::make_unique<drivers::NullIndicator>();
  } else {
    drivers::LedOptions led;
    led.brightness = drivers::LedBrightnessPath(c.indicator.led);
    p->indicator = std::make_unique<drivers::LedIndicator>(std::move(led), p->fs);
  }
  for (const drivers::ScannerConfig& sc : c.scanners) {
    OPTIN_ASSIGN_OR_RETURN(auto scanner, drivers::MakeScanner(sc, p->fs, p->clock));
    p->scanners.push_back(std::move(scanner));
  }
  return std::unique_ptr<Service>(new Service(std::move(p)));
}

}  // namespace optin::app
