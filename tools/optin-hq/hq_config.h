// optin-hq's command line: the flags of `optin-hq serve` (the default subcommand) and of
// `optin-hq user add`, parsed into plain values with the flag at fault named on error. Pure
// functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/error.h"

namespace optin::hq {

inline constexpr std::string_view kDefaultDb = "sqlite:hq.db";

struct ServeConfig {
  std::string listen = "127.0.0.1:8444";      // the stores' listener (mutual TLS)
  std::string web_listen = "127.0.0.1:8445";  // the people's listener (TLS, accounts)
  std::string cert, key, client_ca;           // PEM files; cert and key serve both listeners
  std::string db = std::string(kDefaultDb);
  std::optional<std::string> stores;  // the stores file (.toml or .csv)
  int threads = 2;                    // network threads
  int workers = 2;                    // database and password work
  size_t max_body_bytes = 8 * 1024 * 1024;
  size_t max_batches_per_request = 500;
  int64_t session_hours = 8;
  // The chain's privacy policy: the most epsilon one store may spend per UTC day (all metrics
  // together), in millionths; the dashboard flags store-days above it. The default is the box's
  // own default epsilon_per_day (sync::SyncPolicy).
  int64_t epsilon_policy_micros = 1'000'000;
  // Chart.js as Debian's libjs-chart.js installs it, served to the dashboard at
  // /vendor/chart.min.js.
  std::string chart_js = "/usr/share/javascript/chart.js/chart.min.js";
  int64_t fail_first = 0;  // fault tests
  int64_t hang_first = 0;  // fault tests
};

inline constexpr std::string_view kServeUsage =
    R"(usage: optin-hq [serve] --cert FILE --key FILE --client-ca FILE [options]

  --listen ADDR:PORT      the stores' listener, mutual TLS (default 127.0.0.1:8444; port 0
                          picks one): POST /v1/batches, GET /batches?store=ID (own store only)
  --web-listen ADDR:PORT  the people's listener, TLS without client certificates (default
                          127.0.0.1:8445): the dashboard (GET /), /v1/login, /v1/logout,
                          /v1/figures, /v1/breakdown, /v1/stores, /v1/privacy/epsilon, /metrics
  --cert FILE, --key FILE HQ's server certificate chain and its ECDSA P-256 key (PEM), both listeners
  --client-ca FILE        the store CA (PEM): stores present a certificate it issued (CN = store id)
  --db URL                sqlite:PATH (default sqlite:hq.db) or postgresql://USER@HOST:PORT/DB;
                          the schema is migrated at start
  --stores FILE           the chain's stores (stores.toml or stores.csv), reloaded on SIGHUP; a
                          file with an error changes nothing. Without it any store whose
                          certificate names it may upload and no store can be told missing
  --threads N             network threads (default 2)
  --workers N             database and password threads (default 2)
  --max-body-bytes N      the largest upload (default 8388608)
  --max-batches N         batches per upload (default 500)
  --session-hours N       how long a login lasts (default 8)
  --epsilon-policy E      the chain's privacy policy: the most epsilon a store may spend per UTC
                          day, all metrics together (default 1, the box's default
                          epsilon_per_day); the dashboard flags store-days above it
  --chart-js FILE         Chart.js for the dashboard (default
                          /usr/share/javascript/chart.js/chart.min.js, Debian's libjs-chart.js)
  --fail-first N          fault tests: answer the first N uploads with 500
  --hang-first N          fault tests: never answer the next N uploads (until HQ stops)

Prints "optin-hq listening on PORT" (stores) and "optin-hq web listening on PORT" once serving;
SIGHUP reloads the stores file; SIGINT/SIGTERM stop it.
)";

inline constexpr std::string_view kUserUsage =
    R"(usage: optin-hq user add --id ID --role analyst|admin [--db URL]

  Adds a person who may log in to HQ's figures (analyst) or also manage HQ (admin). The password
  is read from standard input (its first line; 12 to 1024 bytes), stored as PBKDF2-SHA256 with a
  salt of its own. --db as for serve (default sqlite:hq.db).
)";

// Parses serve's flags (`args` without the program name and subcommand). kInvalidArgument naming
// the flag (field) on error.
Result<ServeConfig> ParseServeFlags(const std::vector<std::string>& args);

struct UserAddConfig {
  std::string id;
  std::string role;
  std::string db = std::string(kDefaultDb);
};
Result<UserAddConfig> ParseUserAddFlags(const std::vector<std::string>& args);

}  // namespace optin::hq
