#include "app/reload.h"

#include <boost/json/value_from.hpp>
#include <set>

#include "app/domain.h"
#include "app/listeners.h"
#include "consent/purpose.h"
#include "net/http_server.h"
#include "notices/builtin_notice.h"
#include "notices/notice_holder.h"
#include "notices/notice_store.h"
#include "notices/rollback_floor.h"
#include "offers/catalog_holder.h"
#include "platform/file_system.h"
#include "platform/random.h"
#include "provisioning/device_identity.h"
#include "store/database.h"
#include "visits/app_token_verifier.h"

namespace optin::app {

platform::log::Level ParseLevel(const std::string& s) {
  if (s == "debug") return platform::log::Level::kDebug;
  if (s == "warn") return platform::log::Level::kWarn;
  if (s == "error") return platform::log::Level::kError;
  return platform::log::Level::kInfo;
}

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

namespace {

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
Status LoadCatalog(Service::Parts& p, const std::string* fetched) {
  const Config& c = p.config;
  offers::CatalogRules rules{c.store.interests};
  rules.languages = c.store.languages;  // per-language offer texts must cover each of them
  const auto path = CatalogPathInUse(p, true);
  if (c.offers.source == "hq-bundle") {
    auto key = p.domain->tokens->hq_key();
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
      OPTIN_TRY(p.domain->catalog.ApplyBundle(*fetched, *key, rules, p.clock.NowUnix(), c.store.id,
                                              floor));
    } else {
      OPTIN_TRY(p.domain->catalog.LoadBundle(p.fs, path, *key, rules, p.clock.NowUnix(), c.store.id,
                                             floor));
    }
    if (auto issued = p.domain->catalog.Current()->issued_at) {
      const int64_t now = p.clock.NowUnix();
      OPTIN_TRY(p.db->WriteSync([issued, now](store::Connection& conn) {
        return notices::RollbackFloor::Raise(conn, notices::kCatalogIssuedAt, *issued, now);
      }));
    }
    return Ok();
  }
  return p.domain->catalog.LoadFile(p.fs, path, rules);
}

// The privacy notice: the version in force from the database, then the file or bundle that
// [notices] names if it holds a newer one (or the same again), else the built-in texts while no
// other notice was ever applied. A refused file or bundle leaves the version in force.
Status LoadNotices(Service::Parts& p, const std::string* fetched) {
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
      auto key = p.domain->tokens->hq_key();
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
}  // namespace

Status LoadNoticesAndLog(Service::Parts& p, boost::json::object* summary,
                         const std::string* fetched) {
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
Status LoadCatalogAndLog(Service::Parts& p, boost::json::object* summary,
                         const std::string* fetched) {
  Status loaded = LoadCatalog(p, fetched);
  auto current = p.domain->catalog.Current();
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
  p.domain->tokens->SetHqKey(std::move(hq_key));
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
                       {"hq_token_key", p.domain->tokens->provisioned()},
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
      {"hq_token_key_provisioned", p.domain->tokens->provisioned()},
      {"restart_required", restart_required || !config.restart_required.empty()},
      {"restart_required_settings", boost::json::value_from(config.restart_required)},
      {"settings_applied", boost::json::value_from(config.applied)},
      {"catalog", std::move(catalog)},
      {"notice", std::move(notice)}};
}

}  // namespace optin::app
