// The service's configuration: built-in defaults, optionally overridden by one TOML file and
// then by command-line flags. Parsed once into an immutable struct; unknown keys and values out
// of range are errors that name the key and the line. Value type; thread-compatible.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "drivers/scanner.h"
#include "platform/error.h"
#include "platform/file_system.h"
#include "sync/sync_policy.h"

namespace optin::app {

using WordLabelTable = std::map<std::string, std::map<std::string, std::string>>;
// The built-in labels of the built-in interests and help topics (it, es, de, fr).
WordLabelTable BuiltInInterestLabels();
WordLabelTable BuiltInTopicLabels();

struct Config {
  std::filesystem::path data_dir = "var";

  struct Listen {
    std::string address = "127.0.0.1";
    uint16_t port = 8443;
    int threads = 0;          // 0: one per core
    bool plain_http = false;  // development only: the public listener without TLS
  } listen;

  // The admin listener: health, readiness, reload (and metrics). TLS, loopback by default;
  // anywhere else it requires client certificates issued by `client_ca`.
  struct Admin {
    std::string address = "127.0.0.1";
    uint16_t port = 9443;
    std::filesystem::path client_ca;  // PEM bundle; empty: no client certificates asked
  } admin;

  struct Tls {
    std::vector<std::string> host_names = {"localhost"};  // in the self-signed certificate
    std::vector<std::string> ip_addresses = {"127.0.0.1"};
    int64_t session_ticket_hours = 12;
    int64_t handshake_timeout_ms = 5000;
    int64_t max_concurrent_handshakes = 64;
    // Handshakes at once from one client address (0: no bound); at the bound (or at
    // max_concurrent_handshakes) a newcomer closes the least advanced handshake instead of
    // being refused. Not applied to limits.rate_exempt.
    int64_t max_handshakes_per_client = 16;
  } tls;

  struct Store {
    std::string id = "dev-store";
    std::string name = "optin-edge development store";
    std::string jurisdiction = "EU";
    std::string contact_email;
    std::string address;
    std::string policy_url;
    std::vector<std::string> interests = {"running",  "trail running", "hiking",   "cycling",
                                          "swimming", "yoga",          "climbing", "camping",
                                          "skiing",   "tennis",        "football", "fitness"};
    // The languages shoppers may read the notice in (BCP 47 tags); the first is the default.
    std::vector<std::string> languages = {"en", "it", "es", "de", "fr"};
    // How each interest reads in a language ([store.interest_labels.<lang>], the interest as
    // key): language -> interest -> label. An interest without a label reads as itself. Built in
    // for the built-in interests in it, es, de and fr; a file that gives any replaces them all.
    WordLabelTable interest_labels = BuiltInInterestLabels();
  } store;

  struct Consent {
    std::string policy_version = "1";
    int64_t grant_lifetime_days = 365;
  } consent;

  struct Visits {
    int64_t max_duration_minutes = 240;
    int64_t ended_retention_hours = 24;
    int64_t history_retention_days = 180;
    int64_t retention_interval_seconds = 300;
    // How long after the scan the shopper page's anonymous check-in still accepts the presence
    // code (app and kiosk check-ins: the current or previous 30-s code only).
    int64_t web_code_minutes = 10;
  } visits;

  // Help requests and staff accounts (firmware/assist).
  struct Assist {
    std::vector<std::string> topics = {"sizing and fit", "product advice", "find a product",
                                       "fitting room",   "checkout",       "something else"};
    // How each topic reads in a language ([assist.topic_labels.<lang>]): language -> topic ->
    // label. A topic without a label reads as itself. Built in as for interest_labels.
    WordLabelTable topic_labels = BuiltInTopicLabels();
    int64_t shift_hours = 10;             // a staff session ends this long after login
    int64_t max_open_per_visit = 1;       // open help requests per visit at once
    int64_t max_per_visit_per_hour = 10;  // help requests per visit per hour
    int64_t login_max_failures = 5;       // wrong PINs in a row before the account locks
    int64_t lockout_minutes = 15;         // how long a locked account stays locked
  } assist;

  // Offers (firmware/offers): the catalog from a JSON file (data dir by default), or a bundle
  // signed by HQ with the HQ key (verified before it is applied), and how many a shopper sees.
  struct Offers {
    std::string source = "file";           // "file" or "hq-bundle"
    std::filesystem::path catalog_file;    // empty: offers.json in the data dir
    std::filesystem::path catalog_bundle;  // empty: offers.jws in the data dir
    int64_t max_results = 6;               // offers per request
    int64_t max_per_category = 2;          // diversity: offers per category per request
    int64_t frequency_cap = 3;             // times one offer is shown in one visit
  } offers;

  // The privacy notice (firmware/notices): the built-in one, a JSON file, or a bundle signed by
  // HQ (checked before it is applied); a newer version only (rollback protection).
  struct Notices {
    std::string source = "file";   // "file" (built-in texts while there is none) or "hq-bundle"
    std::filesystem::path file;    // empty: notices.json in the data dir
    std::filesystem::path bundle;  // empty: notices.jws in the data dir
  } notices;

  struct Hq {
    std::string token_issuer;                // empty: any issuer signed by the HQ key
    std::filesystem::path token_public_key;  // empty: <data_dir>/keys/hq-token.pub
    int64_t token_leeway_seconds = 60;
  } hq;

  // HQ sync of consented aggregates (firmware/sync). Off while hq_url is empty or the device is
  // not provisioned (no HQ-issued certificate).
  struct Sync {
    std::string hq_url;                   // "https://hq.example:443/v1/batches"; empty: off
    int64_t period_minutes = 1440;        // release period (divides a day): a UTC day
    std::string epsilon_per_day = "1.0";  // per shopper per UTC day (exact decimal)
    // [sync.budget]: <metric>_cap and <metric>_epsilon (its share of epsilon_per_day) as given;
    // a metric not named keeps its default (sync::kMetricSpecs). See SyncPrivacyPolicy.
    std::map<std::string, int64_t> budget_caps;
    std::map<std::string, std::string> budget_epsilons;
    bool allow_manual_release = false;  // development only: optinctl sync release-now
    int64_t max_catch_up_periods = 48;  // periods released per write job after a long stop
    int64_t outbox_max_batches = 1000;  // beyond: oldest merged
    int64_t outbox_max_age_days = 14;   // older: merged
    int64_t batches_per_request = 50;
    int64_t backoff_initial_seconds = 5;
    int64_t backoff_max_seconds = 3600;
    int64_t timeout_seconds = 10;  // to answer one upload
  } sync;

  struct Limits {
    int64_t max_body_bytes = 16 * 1024;
    int64_t max_header_bytes = 8 * 1024;
    int64_t read_timeout_ms = 10'000;
    int64_t idle_timeout_ms = 30'000;
    int64_t max_connections = 1024;
    int64_t max_connections_per_client = 64;  // from one address (0: no bound); not rate_exempt
    int64_t write_queue = 4096;
    int64_t shutdown_grace_ms = 10'000;
    // Requests per client address on the public listener (a token bucket): `rate_burst` at
    // once, refilled at `rate_per_second`; beyond, 429 with Retry-After. 0 turns it off.
    int64_t rate_per_second = 50;
    int64_t rate_burst = 200;
    int64_t rate_clients = 4096;  // addresses tracked at once (bounds the memory)
    std::vector<std::string> rate_exempt = {"127.0.0.1", "::1"};  // the box itself (kiosk)
  } limits;

  struct Log {
    std::string level = "info";
  } log;

  // Kiosk scanners ([[scanners]], one table each); none by default. A scanner's device is never
  // a camera: /dev/video*, /dev/media* and /dev/v4l* are refused (PRODUCT.md line 1).
  std::vector<drivers::ScannerConfig> scanners;

  // The LED that blinks once for an accepted scan and three times for a refused one: a Linux
  // LED class name ("kiosk:green" -> /sys/class/leds/kiosk:green/brightness) or a brightness
  // file path. Empty: no indicator.
  struct Indicator {
    std::string led;
  } indicator;
  // The kiosk screens (firmware/kiosk): only kiosks paired with `optinctl kiosk pair` get the
  // presence code and scan welcomes; a browser on the box itself (loopback, not forwarded by
  // a proxy) too while allow_loopback.
  struct Kiosk {
    bool allow_loopback = true;
  } kiosk;

  // The directory of the config file (relative catalog paths are resolved against it); empty
  // without a config file, when the data dir is used instead.
  std::filesystem::path config_dir;

  // Where it came from, so that a reload (SIGHUP) builds it again the same way: the flags
  // ConfigFromArgs consumed, and every setting the file set, flattened ("limits.rate_burst")
  // to its TOML text (what ChangedSettings compares).
  std::vector<std::string> source_args;
  std::map<std::string, std::string> file_settings;

  std::filesystem::path database_file() const { return data_dir / "optin-edge.db"; }
  // The catalog file or bundle that offers.source names: offers.json (offers.jws) in the data
  // dir unless offers.catalog_file (catalog_bundle) names one; a relative name is resolved
  // against the config file's directory (the data dir without a config file).
  std::filesystem::path offers_catalog_path() const {
    const bool bundle = offers.source == "hq-bundle";
    std::filesystem::path p = bundle ? offers.catalog_bundle : offers.catalog_file;
    if (p.empty()) return data_dir / (bundle ? "offers.jws" : "offers.json");
    if (p.is_absolute()) return p;
    return (config_dir.empty() ? data_dir : config_dir) / p;
  }
  // Where releases before issue 19 looked when the config named no catalog: beside the config
  // file. Still read (with a warning) when the data dir has none; empty without a config file.
  std::filesystem::path offers_legacy_catalog_path() const {
    const bool bundle = offers.source == "hq-bundle";
    if (config_dir.empty() || !(bundle ? offers.catalog_bundle : offers.catalog_file).empty()) {
      return {};
    }
    return config_dir / (bundle ? "offers.jws" : "offers.json");
  }
  // The notices file or bundle that notices.source names.
  std::filesystem::path notices_path() const {
    const bool bundle = notices.source == "hq-bundle";
    std::filesystem::path p = bundle ? notices.bundle : notices.file;
    if (p.empty()) return data_dir / (bundle ? "notices.jws" : "notices.json");
    if (p.is_absolute()) return p;
    return (config_dir.empty() ? data_dir : config_dir) / p;
  }
  std::filesystem::path hq_token_key_file() const {
    return hq.token_public_key.empty() ? data_dir / "keys" / "hq-token.pub" : hq.token_public_key;
  }
};

// The privacy side of [sync] (period, epsilon_per_day, [sync.budget]) as the aggregator uses
// it, checked (sync::CheckBudget): a failure names the key at fault.
Result<sync::SyncPolicy> SyncPrivacyPolicy(const Config& c);

// Parses TOML text (from `origin`, for messages) over the defaults.
Result<Config> ParseConfig(std::string_view toml_text, std::string_view origin = "config");
// Reads and parses a file.
Result<Config> LoadConfigFile(const std::filesystem::path& file,
                              platform::FileSystem& fs = platform::FileSystem::Default());

// Command-line handling shared by optin-edged and optinctl: --config FILE, --data-dir DIR,
// --listen ADDR:PORT. Recognised flags are removed from `args` (and kept in source_args).
Result<Config> ConfigFromArgs(std::vector<std::string>& args);

// The settings ("section.key", or a top-level key such as "scanners") whose value differs
// between two configs built from the same flags, sorted: set, changed or removed in the file.
std::vector<std::string> ChangedSettings(const Config& before, const Config& after);

}  // namespace optin::app
