#include "app/service.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <thread>

#include "api/shopper_api.h"
#include "api/system_api.h"
#include "consent/consent_ledger.h"
#include "net/event_loop.h"
#include "net/http_server.h"
#include "offers/declared_interests.h"
#include "platform/file_system.h"
#include "platform/key_store.h"
#include "platform/log.h"
#include "platform/service_notifier.h"
#include "privacy/data_rights.h"
#include "privacy/pseudonymizer.h"
#include "privacy/receipt_signer.h"
#include "store/database.h"
#include "visits/app_token_verifier.h"
#include "visits/presence_code.h"
#include "visits/visit_service.h"

#ifndef OPTIN_VERSION
#define OPTIN_VERSION "0.1.0"
#endif

namespace optin::app {
namespace {

platform::log::Level ParseLevel(const std::string& s) {
  if (s == "debug") return platform::log::Level::kDebug;
  if (s == "warn") return platform::log::Level::kWarn;
  if (s == "error") return platform::log::Level::kError;
  return platform::log::Level::kInfo;
}

}  // namespace

struct Service::Parts {
  Config config;
  platform::FileSystem& fs = platform::FileSystem::Default();
  const platform::Clock& clock = platform::SystemClock::Instance();
  std::unique_ptr<platform::CtrDrbg> random;
  std::unique_ptr<platform::KeyStore> keys;
  std::unique_ptr<store::Database> db;
  std::unique_ptr<privacy::Pseudonymizer> pseudonymizer;
  std::unique_ptr<privacy::ReceiptSigner> signer;
  std::unique_ptr<consent::ConsentLedger> ledger;
  std::unique_ptr<offers::DeclaredInterests> interests;
  std::unique_ptr<visits::VisitService> visits;
  std::unique_ptr<visits::AppTokenVerifier> tokens;
  std::unique_ptr<visits::PresenceCode> presence;
  privacy::DataRights rights;
  std::unique_ptr<api::ShopperApi> shopper_api;
  std::unique_ptr<api::SystemApi> system_api;
  net::Router router;
  std::unique_ptr<net::EventLoop> loop;
  std::unique_ptr<net::HttpServer> server;
  std::atomic<bool> serving{false};
  uint16_t port = 0;
  platform::ServiceNotifier notifier;
};

Service::Service(std::unique_ptr<Parts> parts) : p_(std::move(parts)) {}

Service::~Service() {
  if (p_ && p_->db) p_->db->Stop();
}

uint16_t Service::port() const { return p_->port; }

Result<std::unique_ptr<Service>> Service::Create(Config config) {
  auto p = std::make_unique<Parts>();
  p->config = std::move(config);
  const Config& c = p->config;
  platform::log::SetMinLevel(ParseLevel(c.log.level));

  OPTIN_TRY(p->fs.CreateDirectories(c.data_dir, 0700));
  OPTIN_ASSIGN_OR_RETURN(p->random, platform::CtrDrbg::Create("optin-edged"));
  OPTIN_ASSIGN_OR_RETURN(p->keys, platform::KeyStore::Open(p->fs, *p->random, c.data_dir));

  store::DatabaseOptions db_options;
  db_options.file = c.database_file();
  db_options.max_pending_writes = static_cast<size_t>(c.limits.write_queue);
  OPTIN_ASSIGN_OR_RETURN(p->db, store::Database::Open(db_options));

  std::optional<platform::EcdsaPublicKey> hq_key;
  const auto hq_key_file = c.hq_token_key_file();
  OPTIN_ASSIGN_OR_RETURN(bool hq_key_present, p->fs.Exists(hq_key_file));
  if (hq_key_present) {
    OPTIN_ASSIGN_OR_RETURN(std::string pem, p->fs.ReadFile(hq_key_file));
    auto key = platform::EcdsaPublicKey::FromPem(pem);
    if (!key) {
      return Fail(ErrorCode::kInvalidArgument,
                  "HQ token key " + hq_key_file.string() +
                      " is not a P-256 public key: " + key.error().message);
    }
    hq_key = std::move(*key);
  } else {
    platform::log::Warn("hq.token_key_missing",
                        {{"path", hq_key_file.string()},
                         {"hint",
                          "app tokens are refused until the device is provisioned; for "
                          "development run: optinctl token init-dev"}});
  }

  p->pseudonymizer = std::make_unique<privacy::Pseudonymizer>(p->keys->DeriveKey("pseudonym"),
                                                              p->keys->DeriveKey("token-hash"));
  p->signer = std::make_unique<privacy::ReceiptSigner>(p->keys->SigningKey(), *p->random);
  p->ledger = std::make_unique<consent::ConsentLedger>(
      p->clock,
      consent::ConsentPolicy{c.consent.policy_version,
                             std::chrono::days(c.consent.grant_lifetime_days)},
      consent::Controller{c.store.id, c.store.name, c.store.jurisdiction, c.store.contact_email,
                          c.store.address, c.store.policy_url},
      *p->signer);
  p->interests =
      std::make_unique<offers::DeclaredInterests>(p->clock, *p->ledger, c.store.interests);
  p->visits = std::make_unique<visits::VisitService>(
      p->clock, *p->random, *p->pseudonymizer, *p->ledger,
      visits::VisitPolicy{std::chrono::minutes(c.visits.max_duration_minutes),
                          std::chrono::hours(c.visits.ended_retention_hours),
                          std::chrono::days(c.visits.history_retention_days)});
  p->tokens = std::make_unique<visits::AppTokenVerifier>(
      p->clock, std::move(hq_key),
      visits::AppTokenPolicy{c.store.id, c.hq.token_issuer,
                             std::chrono::seconds(c.hq.token_leeway_seconds)});
  p->presence = std::make_unique<visits::PresenceCode>(p->keys->DeriveKey("presence"), p->clock);

  // Interests live only while offers or history allow, and end with a visit without history.
  offers::DeclaredInterests* interests = p->interests.get();
  p->ledger->AddChangeHook([interests](store::Connection& conn, std::string_view subject,
                                       consent::Purpose, bool granted, int64_t) -> Status {
    if (granted) return Ok();
    OPTIN_TRY(interests->PruneIfNotAllowed(conn, subject));
    return Ok();
  });
  p->visits->AddEndHook([interests](store::Connection& conn, const visits::Visit& v) -> Status {
    OPTIN_TRY(interests->ForgetUnlessHistory(conn, v.subject_id));
    return Ok();
  });

  p->rights.Register(p->ledger->consent_records());
  p->rights.Register(p->ledger->receipt_records());
  p->rights.Register(p->visits->records());
  p->rights.Register(*p->interests);

  p->shopper_api = std::make_unique<api::ShopperApi>(
      api::ShopperApiDeps{*p->db, p->clock, *p->ledger, *p->visits, *p->tokens, *p->presence,
                          *p->pseudonymizer, p->rights, *p->signer, *p->interests, c.store.id});
  p->system_api = std::make_unique<api::SystemApi>(
      api::SystemApiDeps{*p->db, p->keys->SigningPublicKey(), *p->ledger, *p->tokens, p->serving,
                         c.store.interests, OPTIN_VERSION});
  p->shopper_api->Register(p->router);
  p->system_api->Register(p->router);

  p->loop = std::make_unique<net::EventLoop>();
  net::HttpServerOptions http;
  http.address = c.listen.address;
  http.port = c.listen.port;
  http.max_body_bytes = static_cast<size_t>(c.limits.max_body_bytes);
  http.max_header_bytes = static_cast<size_t>(c.limits.max_header_bytes);
  http.read_timeout = std::chrono::milliseconds(c.limits.read_timeout_ms);
  http.idle_timeout = std::chrono::milliseconds(c.limits.idle_timeout_ms);
  http.max_connections = static_cast<size_t>(c.limits.max_connections);
  p->server = std::make_unique<net::HttpServer>(*p->loop, p->router, http);
  OPTIN_ASSIGN_OR_RETURN(p->port, p->server->Listen());
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

  std::atomic<bool> stopping{false};
  p.loop->OnSignals({SIGINT, SIGTERM}, [&](int signal) {
    if (stopping.exchange(true)) return;
    platform::log::Info("service.stopping", {{"signal", signal}});
    p.notifier.Stopping();
    p.serving = false;
    p.server->Shutdown([&p] { p.loop->Stop(); });
    // Do not wait forever for a stuck client.
    p.loop->Every(std::chrono::milliseconds(c.limits.shutdown_grace_ms), [&p] { p.loop->Stop(); });
  });

  // The watchdog is fed from the event loop: if the loop stops turning, systemd notices.
  if (auto timeout = p.notifier.WatchdogTimeout()) {
    auto period = std::chrono::duration_cast<std::chrono::milliseconds>(*timeout / 2);
    p.loop->Every(std::max(period, std::chrono::milliseconds(100)), [&p] { p.notifier.Watchdog(); });
  }
  // The pid file lets `optinctl reload` find the daemon.
  const auto pid_file = c.data_dir / "optin-edged.pid";
  if (auto s = p.fs.WriteFileAtomic(pid_file, std::to_string(getpid()) + "\n", 0644); !s) {
    platform::log::Warn("service.pid_file_failed", {{"message", s.error().message}});
  }

  p.serving = true;
  p.notifier.Ready("serving on " + c.listen.address + ":" + std::to_string(p.port));
  platform::log::Info("service.listening", {{"address", c.listen.address},
                                            {"port", static_cast<int64_t>(p.port)},
                                            {"data_dir", c.data_dir.string()},
                                            {"store_id", c.store.id},
                                            {"tls", false}});
  size_t threads = c.listen.threads > 0 ? static_cast<size_t>(c.listen.threads)
                                        : std::max(1u, std::thread::hardware_concurrency());
  p.loop->Run(threads);

  p.db->Stop();
  (void)p.fs.Remove(pid_file);
  platform::log::Info("service.stopped");
  return 0;
}

}  // namespace optin::app
