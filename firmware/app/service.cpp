#include "app/service.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>
#include <csignal>
#include <mutex>
#include <set>
#include <thread>

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
#include "app/https_transport.h"
#include "app/sync_admin_routes.h"
#include "assist/help_desk.h"
#include "assist/help_requests.h"
#include "assist/prompt_feed.h"
#include "assist/staff_directory.h"
#include "assist/staff_sessions.h"
#include "consent/consent_ledger.h"
#include "drivers/led_indicator.h"
#include "drivers/scanner.h"
#include "kiosk/kiosk_access.h"
#include "kiosk/kiosk_feed.h"
#include "kiosk/kiosk_pairing_api.h"
#include "kiosk/kiosk_pairings.h"
#include "metrics/metrics.h"
#include "net/event_loop.h"
#include "net/http_server.h"
#include "net/tls_config.h"
#include "notices/builtin_notice.h"
#include "notices/notice_holder.h"
#include "notices/notice_store.h"
#include "notices/rollback_floor.h"
#include "notices/word_labels.h"
#include "offers/catalog_holder.h"
#include "offers/declared_interests.h"
#include "offers/offer_views.h"
#include "offers/personalizer.h"
#include "platform/file_system.h"
#include "platform/key_store.h"
#include "platform/log.h"
#include "platform/service_notifier.h"
#include "privacy/data_rights.h"
#include "privacy/pseudonymizer.h"
#include "privacy/receipt_signer.h"
#include "provisioning/device_identity.h"
#include "store/database.h"
#include "sync/sync_service.h"
#include "visits/app_token_verifier.h"
#include "visits/presence_code.h"
#include "visits/scan_check_in.h"
#include "visits/visit_service.h"
#include "web/static_assets.h"

#ifndef OPTIN_VERSION
#define OPTIN_VERSION "0.1.0"
#endif

namespace optin::app {
namespace {

// The config's labels of the store's words, as the API reads them.
notices::WordLabels InterestLabels(const Config& c) {
  return notices::WordLabels({c.store.interest_labels.begin(), c.store.interest_labels.end()});
}
notices::WordLabels TopicLabels(const Config& c) {
  return notices::WordLabels({c.assist.topic_labels.begin(), c.assist.topic_labels.end()});
}

platform::log::Level ParseLevel(const std::string& s) {
  if (s == "debug") return platform::log::Level::kDebug;
  if (s == "warn") return platform::log::Level::kWarn;
  if (s == "error") return platform::log::Level::kError;
  return platform::log::Level::kInfo;
}

}  // namespace

struct Service::Parts {
  explicit Parts(platform::FileSystem& door) : fs(door) {}
  Config config;
  platform::FileSystem& fs;  // every file the service touches, the database's included
  const platform::Clock& clock = platform::SystemClock::Instance();
  std::unique_ptr<platform::CtrDrbg> random;
  std::unique_ptr<platform::KeyStore> keys;
  // Declared before the database: the writer's after-commit callbacks publish into it.
  std::unique_ptr<assist::PromptFeed> feed;
  std::unique_ptr<metrics::Metrics> metrics;  // after-commit callbacks count into it too
  std::unique_ptr<store::Database> db;
  std::unique_ptr<provisioning::DeviceIdentity> identity;  // GUARDED_BY(reload_mu) after start
  // The domain modules and their hooks (app/domain.h); the pointers below point into it.
  std::unique_ptr<Domain> domain;
  privacy::Pseudonymizer* pseudonymizer = nullptr;
  privacy::ReceiptSigner* signer = nullptr;
  consent::ConsentLedger* ledger = nullptr;
  offers::DeclaredInterests* interests = nullptr;
  offers::CatalogHolder* catalog = nullptr;  // replaced whole by a reload
  offers::Personalizer* personalizer = nullptr;
  visits::VisitService* visits = nullptr;
  visits::AppTokenVerifier* tokens = nullptr;
  visits::PresenceCode* presence = nullptr;
  assist::HelpDesk* desk = nullptr;
  assist::StaffSessions* staff_sessions = nullptr;
  privacy::DataRights* rights = nullptr;
  std::unique_ptr<api::ShopperApi> shopper_api;
  std::unique_ptr<assist::HelpRequests> help_requests;  // the shopper's help use cases
  std::unique_ptr<api::AssistApi> assist_api;
  std::unique_ptr<api::OffersApi> offers_api;
  std::unique_ptr<api::StaffApi> staff_api;
  std::unique_ptr<api::OriginPolicy> origins;  // the box's own origins, for its WebSockets
  std::unique_ptr<kiosk::KioskPairings> kiosk_pairings;
  std::unique_ptr<kiosk::KioskAccess> kiosk_access;   // paired kiosks (and the box's browser)
  std::unique_ptr<api::StaffStream> staff_stream;     // WebSocket /v1/staff/stream
  std::unique_ptr<kiosk::KioskFeed> kiosk;            // GET /kiosk's WebSocket /v1/kiosk/stream
  std::unique_ptr<kiosk::KioskPairingApi> kiosk_api;  // GET /kiosk/pair, /v1/kiosk/session
  std::unique_ptr<api::SystemApi> system_api;
  std::unique_ptr<api::NoticesApi> notices_api;  // GET /v1/notices/{version}
  net::Router router;                            // the public listener: shoppers, staff, kiosk
  net::Router admin_router;                      // the admin listener: health, readiness, reload
  std::unique_ptr<net::EventLoop> loop;
  std::unique_ptr<net::HttpServer> server;
  std::unique_ptr<net::HttpServer> admin_server;
  std::atomic<bool> serving{false};
  uint16_t port = 0;
  uint16_t admin_port = 0;
  std::unique_ptr<sync::SyncService> hq_sync;  // HQ aggregates: recorder, outbox, uploader
  platform::ServiceNotifier notifier;
  std::mutex reload_mu;
  // Kiosk scanners (loyalty QR check-ins) and the LED that answers them. Declared last: the
  // scanners are destroyed first.
  std::unique_ptr<visits::CheckInDesk> scan_desk;  // the check-in use case for scans
  std::unique_ptr<visits::ScanCheckIn> scan_check_in;
  std::unique_ptr<drivers::Indicator> indicator;
  std::vector<std::unique_ptr<drivers::Scanner>> scanners;
};

namespace {

// HQ's token key, or nothing when the device has none yet.
Result<std::optional<platform::EcdsaPublicKey>> LoadHqTokenKey(platform::FileSystem& fs,
                                                               const std::filesystem::path& file) {
  OPTIN_ASSIGN_OR_RETURN(bool present, fs.Exists(file));
  if (!present) return std::optional<platform::EcdsaPublicKey>();
  OPTIN_ASSIGN_OR_RETURN(std::string pem, fs.ReadFile(file));
  auto key = platform::EcdsaPublicKey::FromPem(pem);
  if (!key) {
    return Fail(
        ErrorCode::kInvalidArgument,
        "HQ token key " + file.string() + " is not a P-256 public key: " + key.error().message);
  }
  return std::optional<platform::EcdsaPublicKey>(std::move(*key));
}

struct TlsConfigs {
  std::shared_ptr<const net::TlsServerConfig> public_listener;  // null with plain_http
  std::shared_ptr<const net::TlsServerConfig> admin_listener;
};

// The TLS configurations of both listeners from the device identity (provisioned certificate
// or the self-signed one) and, for the admin listener, the configured client CA.
Result<TlsConfigs> MakeTlsConfigs(Service::Parts& p, const Config& c,
                                  const provisioning::DeviceIdentity& id) {
  net::TlsServerSettings settings;
  settings.cert_chain_pem = id.server_cert_chain_pem();
  settings.key_pem = id.key_pem();
  settings.session_ticket_lifetime = std::chrono::hours(c.tls.session_ticket_hours);
  TlsConfigs out;
  if (!c.listen.plain_http) {
    OPTIN_ASSIGN_OR_RETURN(out.public_listener, net::TlsServerConfig::Create(settings, *p.random));
  }
  if (!c.admin.client_ca.empty()) {
    auto ca = p.fs.ReadFile(c.admin.client_ca);
    if (!ca) {
      return Fail(ErrorCode::kInvalidArgument, "admin.client_ca: " + ca.error().message,
                  "admin.client_ca");
    }
    settings.client_ca_pem = std::move(*ca);
    settings.require_client_cert = true;
  }
  OPTIN_ASSIGN_OR_RETURN(out.admin_listener, net::TlsServerConfig::Create(settings, *p.random));
  return out;
}

Result<std::unique_ptr<provisioning::DeviceIdentity>> LoadIdentity(Service::Parts& p) {
  const Config& c = p.config;
  OPTIN_ASSIGN_OR_RETURN(
      auto id, provisioning::DeviceIdentity::Load(p.fs, *p.random, c.data_dir, c.tls.host_names,
                                                  c.tls.ip_addresses, p.clock.NowUnix()));
  if (!id.fallback_reason().empty()) {
    platform::log::Warn("tls.device_certificate_unusable", {{"reason", id.fallback_reason()}});
  }
  return std::make_unique<provisioning::DeviceIdentity>(std::move(id));
}

// The limits of both listeners from a config (address, port and TLS are set by the caller).
net::HttpServerOptions PublicListenerLimits(const Config& c) {
  net::HttpServerOptions o;
  o.max_body_bytes = static_cast<size_t>(c.limits.max_body_bytes);
  o.max_header_bytes = static_cast<size_t>(c.limits.max_header_bytes);
  o.read_timeout = std::chrono::milliseconds(c.limits.read_timeout_ms);
  o.idle_timeout = std::chrono::milliseconds(c.limits.idle_timeout_ms);
  o.max_connections = static_cast<size_t>(c.limits.max_connections);
  o.handshake_timeout = std::chrono::milliseconds(c.tls.handshake_timeout_ms);
  o.max_concurrent_handshakes = static_cast<size_t>(c.tls.max_concurrent_handshakes);
  o.max_handshakes_per_client = static_cast<size_t>(c.tls.max_handshakes_per_client);
  o.max_connections_per_client = static_cast<size_t>(c.limits.max_connections_per_client);
  o.rate_limit.per_second = c.limits.rate_per_second;
  o.rate_limit.burst = c.limits.rate_burst;
  o.rate_limit.max_clients = static_cast<size_t>(c.limits.rate_clients);
  o.rate_limit.exempt = c.limits.rate_exempt;
  return o;
}
// The admin listener: few clients, all trusted (loopback or client certificates): no rate limit.
net::HttpServerOptions AdminListenerLimits(const Config& c) {
  net::HttpServerOptions o = PublicListenerLimits(c);
  o.max_connections = 64;
  o.rate_limit = net::RateLimit{.per_second = 0};
  return o;
}

// Settings a reload applies to the running service (from the next request or connection on);
// every other changed setting needs a restart and is reported as such.
bool AppliesLive(std::string_view key) {
  static const std::set<std::string_view> kLive = {"limits.max_body_bytes",
                                                   "limits.max_header_bytes",
                                                   "limits.read_timeout_ms",
                                                   "limits.idle_timeout_ms",
                                                   "limits.max_connections",
                                                   "limits.shutdown_grace_ms",
                                                   "limits.rate_per_second",
                                                   "limits.rate_burst",
                                                   "limits.rate_clients",
                                                   "limits.rate_exempt",
                                                   "tls.handshake_timeout_ms",
                                                   "tls.max_concurrent_handshakes",
                                                   "tls.max_handshakes_per_client",
                                                   "limits.max_connections_per_client",
                                                   "tls.session_ticket_hours",
                                                   "admin.client_ca",
                                                   "hq.token_public_key",
                                                   "log.level",
                                                   "offers.source",
                                                   "offers.catalog_file",
                                                   "offers.catalog_bundle",
                                                   "notices.source",
                                                   "notices.file",
                                                   "notices.bundle"};
  return kLive.contains(key);
}

// The config file read again with the flags the daemon was started with.
struct ConfigReload {
  Config next;
  std::vector<std::string> applied;           // changed settings that take effect now
  std::vector<std::string> restart_required;  // changed settings that need a restart
};

// Parses the config file again; nothing is applied yet. A file that does not parse (or a
// value out of range) is an error naming the file, line and key.
Result<ConfigReload> ReadConfigAgain(const Service::Parts& p) {
  ConfigReload r;
  std::vector<std::string> args = p.config.source_args;
  auto next = ConfigFromArgs(args);
  if (!next) {
    return Fail(next.error().code, "config not reloaded, nothing changed: " + next.error().message,
                next.error().field, next.error().reason);
  }
  r.next = std::move(*next);
  for (std::string& key : ChangedSettings(p.config, r.next)) {
    (AppliesLive(key) ? r.applied : r.restart_required).push_back(std::move(key));
  }
  return r;
}

// Puts the live settings of `r` in force: the listeners' limits for the next request of every
// connection (none is dropped), the log level, and the settings read at each reload (TLS and
// HQ key files, catalog paths). REQUIRES(p.reload_mu).
void ApplyLiveSettings(Service::Parts& p, const ConfigReload& r) {
  Config& c = p.config;
  const Config& n = r.next;
  c.limits.max_body_bytes = n.limits.max_body_bytes;
  c.limits.max_header_bytes = n.limits.max_header_bytes;
  c.limits.read_timeout_ms = n.limits.read_timeout_ms;
  c.limits.idle_timeout_ms = n.limits.idle_timeout_ms;
  c.limits.max_connections = n.limits.max_connections;
  c.limits.shutdown_grace_ms = n.limits.shutdown_grace_ms;
  c.limits.rate_per_second = n.limits.rate_per_second;
  c.limits.rate_burst = n.limits.rate_burst;
  c.limits.rate_clients = n.limits.rate_clients;
  c.limits.rate_exempt = n.limits.rate_exempt;
  c.tls.handshake_timeout_ms = n.tls.handshake_timeout_ms;
  c.tls.max_concurrent_handshakes = n.tls.max_concurrent_handshakes;
  c.tls.max_handshakes_per_client = n.tls.max_handshakes_per_client;
  c.limits.max_connections_per_client = n.limits.max_connections_per_client;
  c.tls.session_ticket_hours = n.tls.session_ticket_hours;
  c.admin.client_ca = n.admin.client_ca;
  c.hq.token_public_key = n.hq.token_public_key;
  c.log.level = n.log.level;
  c.offers.source = n.offers.source;
  c.offers.catalog_file = n.offers.catalog_file;
  c.offers.catalog_bundle = n.offers.catalog_bundle;
  c.notices = n.notices;
  // Only applied settings count as in force: a restart-only one stays "changed" (and reported
  // at every reload) until the restart.
  for (const auto& key : r.applied) {
    auto it = n.file_settings.find(key);
    if (it == n.file_settings.end()) {
      c.file_settings.erase(key);
    } else {
      c.file_settings[key] = it->second;
    }
  }
  p.server->UpdateLimits(PublicListenerLimits(c));
  p.admin_server->UpdateLimits(AdminListenerLimits(c));
  platform::log::SetMinLevel(ParseLevel(c.log.level));
}

std::string JoinSettings(const std::vector<std::string>& keys) {
  std::string out;
  for (const auto& k : keys) out += (out.empty() ? "" : ",") + k;
  return out;
}

// SIGHUP / optinctl reload / POST /v1/admin/reload: new certificates and HQ's token key take
// effect for new connections; open connections are not dropped. On any error the running
// configuration stays as it was.
Status ApplyFetchedBundle(Service::Parts& p, std::string_view kind, const std::string& bytes);
Result<std::string> BundleBytesInForce(Service::Parts& p, std::string_view kind);

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
    if (auto catalog = p.catalog->Current(); !catalog->version.empty()) {
      in_force["catalog"].version = catalog->version;
    }
    if (auto notice = p.domain->notices->Current()) {
      in_force["notice"].version = std::to_string(notice->version);
    }
    return in_force;
  };
  return sync::SyncService::Create(std::move(sc), *p.db, p.clock, *p.random, *p.identity,
                                   *p.ledger);
}

// The offer catalog named by [offers]: a file, or a bundle signed with HQ's key. On any error
// the catalog in force stays as it was (the empty catalog at start).
// The catalog file the [offers] settings name (Config::offers_catalog_path), or the place
// releases before issue 19 used (beside the config file) when only that one exists.
std::filesystem::path CatalogPathInUse(Service::Parts& p, bool warn) {
  const auto path = p.config.offers_catalog_path();
  const auto legacy = p.config.offers_legacy_catalog_path();
  if (legacy.empty() || legacy == path) return path;
  auto here = p.fs.Exists(path);
  auto there = p.fs.Exists(legacy);
  if (!here || *here || !there || !*there) return path;
  if (warn) {
    platform::log::Warn("offers.catalog_legacy_location",
                        {{"path", legacy.string()},
                         {"expected", path.string()},
                         {"reason",
                          "the catalog is read from the data dir unless offers.catalog_file "
                          "names one; move it there or name it in the config"}});
  }
  return legacy;
}

// `fetched`: a bundle fetched from HQ, checked and applied instead of the file's (the caller
// saves it as the file once applied).
Status LoadCatalog(Service::Parts& p, const std::string* fetched = nullptr) {
  const Config& c = p.config;
  offers::CatalogRules rules{c.store.interests};
  rules.languages = c.store.languages;  // per-language offer texts must cover each of them
  const auto path = CatalogPathInUse(p, true);
  if (c.offers.source == "hq-bundle") {
    auto key = p.tokens->hq_key();
    if (!key) {
      return Fail(ErrorCode::kUnavailable,
                  "offers.source is hq-bundle but the device has no HQ key yet (optinctl "
                  "provision install)",
                  "offers.source", "not-provisioned");
    }
    // Rollback protection: the newest issued_at applied so far, kept in the database.
    OPTIN_ASSIGN_OR_RETURN(auto floor,
                           p.db->ReadSync<std::optional<int64_t>>([](store::Connection& conn) {
                             return notices::RollbackFloor::Get(conn, notices::kCatalogIssuedAt);
                           }));
    if (fetched) {
      OPTIN_TRY(
          p.catalog->ApplyBundle(*fetched, *key, rules, p.clock.NowUnix(), c.store.id, floor));
    } else {
      OPTIN_TRY(
          p.catalog->LoadBundle(p.fs, path, *key, rules, p.clock.NowUnix(), c.store.id, floor));
    }
    if (auto issued = p.catalog->Current()->issued_at) {
      const int64_t now = p.clock.NowUnix();
      OPTIN_TRY(p.db->WriteSync([issued, now](store::Connection& conn) {
        return notices::RollbackFloor::Raise(conn, notices::kCatalogIssuedAt, *issued, now);
      }));
    }
    return Ok();
  }
  return p.catalog->LoadFile(p.fs, path, rules);
}

// The privacy notice: the version in force from the database, then the file or bundle that
// [notices] names if it holds a newer one (or the same again), else the built-in texts while no
// other notice was ever applied. A refused file or bundle leaves the version in force.
Status LoadNotices(Service::Parts& p, const std::string* fetched = nullptr) {
  const Config& c = p.config;
  notices::NoticeRules rules{c.store.languages, {}, 0};
  for (consent::Purpose purpose : consent::kAllPurposes) {
    rules.purposes.emplace_back(consent::ToString(purpose));
  }
  notices::NoticeHolder& holder = *p.domain->notices;
  OPTIN_ASSIGN_OR_RETURN(auto in_force, p.db->ReadSync<std::optional<notices::NoticeInForce>>(
                                            [](store::Connection& conn) {
                                              return notices::NoticeStore::LoadInForce(conn);
                                            }));
  if (in_force) {
    rules.version_in_force = in_force->notice->version;
    holder.Install(*in_force);
  }
  const int64_t now = p.clock.NowUnix();
  const auto path = c.notices_path();
  OPTIN_ASSIGN_OR_RETURN(bool exists, p.fs.Exists(path));
  std::optional<notices::Notice> candidate;
  bool renumber = false;
  if (exists || fetched) {
    std::string text;
    if (fetched) {
      text = *fetched;
    } else {
      OPTIN_ASSIGN_OR_RETURN(text, p.fs.ReadFile(path));
    }
    if (c.notices.source == "hq-bundle") {
      auto key = p.tokens->hq_key();
      if (!key) {
        return Fail(ErrorCode::kUnavailable,
                    "notices.source is hq-bundle but the device has no HQ key yet (optinctl "
                    "provision install)",
                    "notices.source", "not-provisioned");
      }
      OPTIN_ASSIGN_OR_RETURN(candidate,
                             notices::VerifyNoticeBundle(text, *key, rules, now, c.store.id));
    } else {
      OPTIN_ASSIGN_OR_RETURN(candidate, notices::ParseNotice(text, rules));
    }
  } else if (!in_force || in_force->notice->source == "built-in") {
    notices::BuiltInFacts facts{.store = c.store.name,
                                .chain = {},
                                .contact = c.store.contact_email,
                                .address = c.store.address,
                                .visit_max_minutes = c.visits.max_duration_minutes,
                                .ended_visit_hours = c.visits.ended_retention_hours,
                                .history_days = c.visits.history_retention_days,
                                .consent_days = c.consent.grant_lifetime_days,
                                .hq_period_minutes = c.sync.period_minutes};
    OPTIN_ASSIGN_OR_RETURN(candidate, notices::BuiltInNotice(facts, rules));
    renumber = true;
  }
  if (candidate) {
    OPTIN_ASSIGN_OR_RETURN(
        auto admitted,
        p.db->WriteSync<notices::Admission>([&candidate, now, renumber](store::Connection& conn) {
          return notices::NoticeStore::Admit(conn, *candidate, now, renumber);
        }));
    holder.Install(admitted.in_force);
  }
  return Ok();
}

// Loads the notice and logs the outcome; `summary` gets it for the reload answer.
Status LoadNoticesAndLog(Service::Parts& p, boost::json::object* summary = nullptr,
                         const std::string* fetched = nullptr) {
  Status loaded = LoadNotices(p, fetched);
  auto current = p.domain->notices->Current();
  const int64_t version = current ? current->version : 0;
  const std::string source = current ? current->source : std::string();
  if (loaded) {
    platform::log::Info("notices.loaded", {{"version", version}, {"source", source}});
  } else {
    platform::log::Error("notices.refused", {{"message", loaded.error().message},
                                             {"reason", loaded.error().reason},
                                             {"kept_version", version}});
  }
  if (summary) {
    *summary = boost::json::object{{"path", p.config.notices_path().string()},
                                   {"source", p.config.notices.source},
                                   {"version", version},
                                   {"applied", loaded.has_value()}};
    if (!loaded) (*summary)["error"] = loaded.error().message;
  }
  return loaded;
}

// Loads the catalog and logs the outcome (nothing personal); `summary` gets it for the reload
// answer: path, source, version and size in force, whether the new one was applied, and why not.
Status LoadCatalogAndLog(Service::Parts& p, boost::json::object* summary = nullptr,
                         const std::string* fetched = nullptr) {
  Status loaded = LoadCatalog(p, fetched);
  auto current = p.catalog->Current();
  const auto offers = static_cast<int64_t>(current->offers.size());
  const auto path = CatalogPathInUse(p, false);
  if (loaded && current->source.empty()) {
    // Not a failure: the box serves without offers, and shoppers are told none are published.
    platform::log::Warn("offers.no_catalog",
                        {{"path", path.string()},
                         {"reason",
                          "no offer catalog: shoppers see that the store has published no "
                          "offers yet; put one there (optinctl catalog check FILE first) and "
                          "run optinctl reload"}});
  } else if (loaded) {
    platform::log::Info(
        "offers.catalog_loaded",
        {{"version", current->version}, {"offers", offers}, {"source", p.config.offers.source}});
  } else {
    platform::log::Error("offers.catalog_refused", {{"message", loaded.error().message},
                                                    {"kept_version", current->version},
                                                    {"kept_offers", offers}});
  }
  if (summary) {
    *summary = boost::json::object{{"path", path.string()},
                                   {"source", p.config.offers.source},
                                   {"version", current->version},
                                   {"offers", offers},
                                   {"applied", loaded.has_value()}};
    if (!loaded) (*summary)["error"] = loaded.error().message;
  }
  return loaded;
}

// A bundle fetched from HQ (issue 15 part 5), on the fetcher's thread: checked and applied by
// the same load as the file dropped in place (signature, store id, expiry, rollback floor), then
// saved as that file (atomically) so that a restart loads it and its ETag is the one in force.
// A refused bundle changes nothing.
Status ApplyFetchedBundle(Service::Parts& p, std::string_view kind, const std::string& bytes) {
  std::lock_guard lock(p.reload_mu);
  const bool catalog = kind == "catalog";
  OPTIN_TRY(catalog ? LoadCatalogAndLog(p, nullptr, &bytes)
                    : LoadNoticesAndLog(p, nullptr, &bytes));
  const auto path = catalog ? CatalogPathInUse(p, false) : p.config.notices_path();
  Status saved = p.fs.WriteFileAtomic(path, bytes, 0600);
  if (!saved) {
    // In force until the next start; the next fetch brings it again (its ETag is not the file's).
    return Fail(saved.error().code, "applied but not saved: " + saved.error().message, {},
                "save-failed");
  }
  return Ok();
}

// The bundle file a kind taken from HQ is saved as, for its ETag; empty when there is none.
Result<std::string> BundleBytesInForce(Service::Parts& p, std::string_view kind) {
  std::lock_guard lock(p.reload_mu);
  const auto path = kind == "catalog" ? CatalogPathInUse(p, false) : p.config.notices_path();
  OPTIN_ASSIGN_OR_RETURN(bool exists, p.fs.Exists(path));
  if (!exists) return std::string();
  return p.fs.ReadFile(path);
}

Result<boost::json::object> Reload(Service::Parts& p) {
  std::lock_guard lock(p.reload_mu);
  // Everything is read and checked first; only then is anything applied, so that a broken
  // config file, certificate or key leaves the service as it was.
  OPTIN_ASSIGN_OR_RETURN(ConfigReload config, ReadConfigAgain(p));
  OPTIN_ASSIGN_OR_RETURN(auto identity, LoadIdentity(p));
  OPTIN_ASSIGN_OR_RETURN(TlsConfigs tls, MakeTlsConfigs(p, config.next, *identity));
  OPTIN_ASSIGN_OR_RETURN(auto hq_key, LoadHqTokenKey(p.fs, config.next.hq_token_key_file()));
  ApplyLiveSettings(p, config);
  if (tls.public_listener) p.server->SetTls(tls.public_listener);
  p.admin_server->SetTls(tls.admin_listener);
  p.tokens->SetHqKey(std::move(hq_key));
  p.identity = std::move(identity);
  // The catalog last, so that a bundle is checked with the HQ key just installed. A refused
  // catalog is reported but does not undo the rest: the previous catalog stays in force.
  boost::json::object catalog;
  (void)LoadCatalogAndLog(p, &catalog);
  boost::json::object notice;
  (void)LoadNoticesAndLog(p, &notice);
  const auto& info = p.identity->certificate_info();
  // The store id is wired into the ledger, tokens and receipts at start: a newly provisioned
  // one takes effect at the next start.
  const auto& provisioned_store = p.identity->store_id();
  const bool restart_required = provisioned_store && *provisioned_store != p.config.store.id;
  if (restart_required) {
    platform::log::Warn("service.restart_required",
                        {{"reason",
                          "the device was provisioned for another store id; restart "
                          "optin-edged to serve it"}});
  }
  platform::log::Info("service.reloaded",
                      {{"certificate", info.subject},
                       {"provisioned", p.identity->is_provisioned()},
                       {"not_after", info.not_after},
                       {"hq_token_key", p.tokens->provisioned()},
                       {"settings_applied", JoinSettings(config.applied)},
                       {"restart_required_settings", JoinSettings(config.restart_required)}});
  if (!config.restart_required.empty()) {
    platform::log::Warn("service.restart_required",
                        {{"settings", JoinSettings(config.restart_required)},
                         {"reason", "these settings take effect at the next start"}});
  }
  return boost::json::object{
      {"certificate", info.subject},
      {"fingerprint_sha256", info.sha256_fingerprint_hex},
      {"not_after", info.not_after},
      {"provisioned", p.identity->is_provisioned()},
      {"hq_token_key_provisioned", p.tokens->provisioned()},
      {"restart_required", restart_required || !config.restart_required.empty()},
      {"restart_required_settings", boost::json::value_from(config.restart_required)},
      {"settings_applied", boost::json::value_from(config.applied)},
      {"catalog", std::move(catalog)},
      {"notice", std::move(notice)}};
}

}  // namespace

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
  p->pseudonymizer = d.pseudonymizer.get();
  p->signer = d.signer.get();
  p->ledger = d.ledger.get();
  p->interests = d.interests.get();
  p->catalog = &d.catalog;
  p->personalizer = d.personalizer.get();
  p->visits = d.visits.get();
  p->tokens = d.tokens.get();
  p->presence = d.presence.get();
  p->desk = d.desk.get();
  p->staff_sessions = d.staff_sessions.get();
  p->rights = &d.rights;
  OPTIN_ASSIGN_OR_RETURN(p->hq_sync, MakeSyncService(*p));
  if (p->hq_sync) p->domain->AttachSync(p->hq_sync->recorder());
  // Prometheus metrics (GET /metrics on the admin listener): domain counts after commit, request
  // counts per route pattern, gauges read at scrape time. Nothing personal in any label.
  {
    std::vector<std::string> scanner_names;
    for (const drivers::ScannerConfig& sc : c.scanners) scanner_names.push_back(sc.name);
    p->metrics = std::make_unique<metrics::Metrics>(metrics::MetricsDeps{
        *p->db, p->clock, *p->ledger, *p->visits, *p->desk,
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
      *p->db, p->clock, *p->ledger, *p->visits, *p->tokens, *p->presence, *p->pseudonymizer,
      *p->rights, *p->signer, *p->interests, c.store.id, c.visits.web_code_minutes * 2});
  p->help_requests = std::make_unique<assist::HelpRequests>(*p->db, *p->visits, *p->desk);
  p->assist_api = std::make_unique<api::AssistApi>(
      api::AssistApiDeps{p->clock, *p->tokens, *p->pseudonymizer, *p->desk, *p->help_requests});
  p->staff_api = std::make_unique<api::StaffApi>(
      api::StaffApiDeps{*p->db, p->clock, *p->staff_sessions, *p->desk});
  p->system_api = std::make_unique<api::SystemApi>(api::SystemApiDeps{
      *p->db, p->keys->SigningPublicKey(), *p->ledger, *p->tokens, p->serving, c.store.interests,
      OPTIN_VERSION, c.assist.topics,
      api::StoreRetention{c.visits.max_duration_minutes, c.visits.ended_retention_hours,
                          c.visits.history_retention_days, c.consent.grant_lifetime_days},
      p->catalog, InterestLabels(c), TopicLabels(c)});
  p->shopper_api->Register(p->router);
  p->assist_api->Register(p->router);
  p->offers_api = std::make_unique<api::OffersApi>(
      api::OffersApiDeps{*p->db, p->clock, *p->ledger, *p->visits, *p->tokens, *p->pseudonymizer,
                         *p->interests, *p->personalizer, InterestLabels(c)});
  p->offers_api->Register(p->router);
  p->staff_api->Register(p->router);
  p->staff_stream = std::make_unique<api::StaffStream>(
      api::StaffStreamDeps{*p->db, p->clock, *p->staff_sessions, *p->desk, *p->feed});
  // Both WebSockets open only from the box's own pages (the port is set once bound).
  p->origins = std::make_unique<api::OriginPolicy>(c.tls.host_names, c.tls.ip_addresses,
                                                   !c.listen.plain_http, c.listen.port);
  auto origin_check = [origins = p->origins.get()](const net::Request& upgrade) {
    return origins->Check(upgrade);
  };
  p->staff_stream->Register(p->router, origin_check);
  // The kiosk feed goes to paired kiosks only (and the box's own browser if allowed).
  p->kiosk_pairings =
      std::make_unique<kiosk::KioskPairings>(p->clock, *p->random, *p->pseudonymizer);
  p->kiosk_access =
      std::make_unique<kiosk::KioskAccess>(*p->kiosk_pairings, c.kiosk.allow_loopback);
  p->kiosk = std::make_unique<kiosk::KioskFeed>(
      *p->presence, std::string(),
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

  OPTIN_ASSIGN_OR_RETURN(TlsConfigs tls, MakeTlsConfigs(*p, p->config, *p->identity));
  p->loop = std::make_unique<net::EventLoop>();
  net::HttpServerOptions http = PublicListenerLimits(c);
  http.address = c.listen.address;
  http.port = c.listen.port;
  http.tls = tls.public_listener;
  p->server = std::make_unique<net::HttpServer>(*p->loop, p->router, http);
  OPTIN_ASSIGN_OR_RETURN(p->port, p->server->Listen());
  // The presence QR opens the shopper page on this listener (the bound port when it was 0).
  p->origins->SetPort(c.listen.port != 0 ? c.listen.port : p->port);
  p->kiosk->SetShopUrl(kiosk::ShopPageUrl(
      !c.listen.plain_http, c.tls.host_names.empty() ? "localhost" : c.tls.host_names.front(),
      c.listen.port != 0 ? c.listen.port : p->port));

  net::HttpServerOptions admin = AdminListenerLimits(c);
  admin.address = c.admin.address;
  admin.port = c.admin.port;
  admin.tls = tls.admin_listener;
  p->admin_server = std::make_unique<net::HttpServer>(*p->loop, p->admin_router, admin);
  auto admin_port = p->admin_server->Listen();
  if (!admin_port) {
    return Fail(admin_port.error().code, "admin listener: " + admin_port.error().message);
  }
  p->admin_port = *admin_port;
  p->metrics->listeners().Add("public", *p->server);
  p->metrics->listeners().Add("admin", *p->admin_server);
  p->scan_desk = std::make_unique<visits::CheckInDesk>(*p->db, *p->tokens, *p->presence,
                                                       *p->pseudonymizer, *p->visits);
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

int Service::Run() {
  Parts& p = *p_;
  const Config& c = p.config;

  // Retention: expired grants, ended visits, used token ids, subjects with nothing left.
  p.loop->Every(std::chrono::seconds(c.visits.retention_interval_seconds), [&p] {
    p.db->Write(
        [&p](store::Connection& conn) -> Status {
          OPTIN_ASSIGN_OR_RETURN(int64_t consents, p.ledger->PurgeExpired(conn));
          OPTIN_ASSIGN_OR_RETURN(int64_t rows, p.visits->Purge(conn));
          OPTIN_ASSIGN_OR_RETURN(int64_t sessions, p.staff_sessions->Purge(conn));
          rows += sessions;
          if (consents + rows > 0) {
            platform::log::Info("retention.purged",
                                {{"expired_consents", consents}, {"rows", rows}});
          }
          return Ok();
        },
        [](Status s) {
          if (!s) platform::log::Error("retention.failed", {{"message", s.error().message}});
        });
  });

  if (p.hq_sync) p.hq_sync->Start(SyncHostOn(*p.loop, *p.random));
  // The kiosk gets each new presence code as its step begins.
  p.loop->Every(std::chrono::seconds(1), [&p] { p.kiosk->Tick(); });
  // Kiosks revoked by optinctl lose their feed within the next refresh (well under a second).
  p.loop->Every(std::chrono::milliseconds(250), [&p] { (void)p.kiosk_api->Refresh(); });
  std::atomic<bool> stopping{false};
  p.loop->OnSignals({SIGINT, SIGTERM}, [&](int signal) {
    if (stopping.exchange(true)) return;
    platform::log::Info("service.stopping", {{"signal", signal}});
    p.notifier.Stopping();
    p.serving = false;
    // Both listeners drain; the loop stops when the last one is done.
    auto remaining = std::make_shared<std::atomic<int>>(2);
    auto one_done = [&p, remaining] {
      if (--*remaining == 0) p.loop->Stop();
    };
    p.server->Shutdown(one_done);
    p.admin_server->Shutdown(one_done);
    // Do not wait forever for a stuck client.
    std::chrono::milliseconds grace;
    {
      std::lock_guard lock(p.reload_mu);  // a reload may change it
      grace = std::chrono::milliseconds(c.limits.shutdown_grace_ms);
    }
    p.loop->Every(grace, [&p] { p.loop->Stop(); });
  });

  p.loop->OnSignals({SIGHUP}, [&p](int) {
    if (auto r = Reload(p); !r) {
      platform::log::Error("service.reload_failed", {{"message", r.error().message}});
    }
  });

  // The watchdog is fed from the event loop: if the loop stops turning, systemd notices.
  if (auto timeout = p.notifier.WatchdogTimeout()) {
    auto period = std::chrono::duration_cast<std::chrono::milliseconds>(*timeout / 2);
    p.loop->Every(std::max(period, std::chrono::milliseconds(100)),
                  [&p] { p.notifier.Watchdog(); });
  }
  p.serving = true;
  p.notifier.Ready("serving on " + c.listen.address + ":" + std::to_string(p.port));
  // The pid file lets `optinctl reload` find the daemon. Written after READY=1: its two fsyncs
  // (file and directory) took more than half of the time to ready, for a file no boot needs.
  // Still before the "service.listening" line, which tools wait for before using it.
  const auto pid_file = c.data_dir / "optin-edged.pid";
  if (auto s = p.fs.WriteFileAtomic(pid_file, std::to_string(getpid()) + "\n", 0644); !s) {
    platform::log::Warn("service.pid_file_failed", {{"message", s.error().message}});
  }
  if (c.listen.plain_http) {
    platform::log::Warn("listen.plain_http",
                        {{"message",
                          "THE PUBLIC LISTENER SPEAKS PLAIN HTTP: tokens and personal data cross "
                          "the network unencrypted. For development only; never in a store."}});
  }
  platform::log::Info("service.listening",
                      {{"address", c.listen.address},
                       {"port", static_cast<int64_t>(p.port)},
                       {"tls", !c.listen.plain_http},
                       {"admin_address", c.admin.address},
                       {"admin_port", static_cast<int64_t>(p.admin_port)},
                       {"admin_client_certificates", !c.admin.client_ca.empty()},
                       {"certificate", p.identity->certificate_path().string()},
                       {"provisioned", p.identity->is_provisioned()},
                       {"data_dir", c.data_dir.string()},
                       {"store_id", c.store.id}});
  size_t threads = c.listen.threads > 0 ? static_cast<size_t>(c.listen.threads)
                                        : std::max(1u, std::thread::hardware_concurrency());
  // Each scan (on its driver's thread) is checked in from the loop; the LED answers. Logs say
  // which scanner and why, never the scanned text or who it was.
  for (size_t i = 0; i < p.scanners.size(); ++i) {
    auto& scanner = p.scanners[i];
    auto on_state = [&p, name = c.scanners[i].name](drivers::ScannerState state) {
      p.metrics->scanners().SetState(name, drivers::ToString(state));
    };
    auto started = scanner->Start(
        [&p](drivers::Scan scan) {
          p.loop->Post([&p, scan = std::move(scan)] {
            // The outcome comes from the database writer: hand it back to the loop, so that
            // the writer only commits.
            p.scan_check_in->Submit(
                scan.text,
                [&p, name = scan.scanner](visits::ScanCheckInResult r) {
                  p.loop->Post([&p, name, r = std::move(r)] {
                    if (r.accepted) {
                      p.indicator->Accepted();
                    } else {
                      p.indicator->Refused();
                    }
                    p.kiosk->PublishScan(r);
                    platform::log::Info(
                        "scan.checkin",
                        {{"scanner", name}, {"accepted", r.accepted}, {"reason", r.reason}});
                  });
                },
                scan.scanner);
          });
        },
        on_state);
    if (!started) {
      platform::log::Error("scanner.start_failed", {{"message", started.error().message}});
    }
  }
  p.loop->Run(threads);
  for (auto& scanner : p.scanners) scanner->Stop();  // before the database stops

  if (p.hq_sync) p.hq_sync->Stop();
  p.db->Stop();
  (void)p.fs.Remove(pid_file);
  platform::log::Info("service.stopped");
  return 0;
}

}  // namespace optin::app
