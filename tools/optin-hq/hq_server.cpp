#include "tools/optin-hq/hq_server.h"

#include <signal.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <sstream>

#include "net/event_loop.h"
#include "net/http_server.h"
#include "net/router.h"
#include "net/tls_config.h"
#include "platform/clock.h"
#include "platform/log.h"
#include "platform/random.h"
#include "tools/optin-hq/accounts.h"
#include "tools/optin-hq/bundle_handler.h"
#include "tools/optin-hq/dashboard_handler.h"
#include "tools/optin-hq/figures_handler.h"
#include "tools/optin-hq/hq_context.h"
#include "tools/optin-hq/hq_counters.h"
#include "tools/optin-hq/hq_http.h"
#include "tools/optin-hq/ingest_handler.h"
#include "tools/optin-hq/privacy_handler.h"
#include "tools/optin-hq/session_gate.h"
#include "tools/optin-hq/session_handler.h"
#include "tools/optin-hq/stores_registry.h"
#include "tools/optin-hq/work_queue.h"

namespace optin::hq {
namespace log = platform::log;

namespace {

// The stores file's region of every listed store, for HqStore::AssignRegions.
std::vector<StoreRegion> RegionsOf(const StoreDirectory& directory) {
  std::vector<StoreRegion> out;
  for (const StoreInfo& s : directory.stores()) out.push_back(StoreRegion{s.id, s.region});
  return out;
}

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

int Fail(const std::string& message) {
  std::cerr << "optin-hq: " << message << "\n";
  return 1;
}

net::HttpServerOptions ListenerOptions(const std::string& listen, const ServeConfig& c) {
  net::HttpServerOptions o;
  const size_t colon = listen.rfind(':');
  o.address = listen.substr(0, colon);
  o.port = static_cast<uint16_t>(std::stoi(listen.substr(colon + 1)));
  o.max_body_bytes = c.max_body_bytes;
  o.server_name = "optin-hq";
  return o;
}

}  // namespace

int RunServer(const ServeConfig& config) {
  net::TlsServerSettings stores_tls, people_tls;
  if (!ReadFile(config.cert, &stores_tls.cert_chain_pem)) return Fail("cannot read " + config.cert);
  if (!ReadFile(config.key, &stores_tls.key_pem)) return Fail("cannot read " + config.key);
  if (!ReadFile(config.client_ca, &stores_tls.client_ca_pem)) {
    return Fail("cannot read " + config.client_ca);
  }
  stores_tls.require_client_cert = true;
  people_tls.cert_chain_pem = stores_tls.cert_chain_pem;
  people_tls.key_pem = stores_tls.key_pem;
  auto random = platform::CtrDrbg::Create("optin-hq");
  if (!random) return Fail(random.error().message);
  auto stores_tls_config = net::TlsServerConfig::Create(stores_tls, **random);
  if (!stores_tls_config) return Fail(stores_tls_config.error().message);
  auto people_tls_config = net::TlsServerConfig::Create(people_tls, **random);
  if (!people_tls_config) return Fail(people_tls_config.error().message);

  auto store = OpenHqStore(config.db);
  if (!store) return Fail("--db: " + store.error().message);
  auto applied = (*store)->AppliedMigrations();
  log::Info("hq.database",
            {{"engine", (*store)->engine()},
             {"schema_version", applied && !applied->empty() ? applied->back() : 0}});
  StoresRegistry stores(config.stores);
  if (Status s = stores.Load(); !s) return Fail("--stores: " + s.error().message);
  if (auto d = stores.current()) {
    log::Info("hq.stores_loaded",
              {{"stores", d->stores().size()}, {"regions", d->Regions().size()}});
    // Each region's summary holds exactly the stores the file puts in it.
    if (Status s = (*store)->AssignRegions(RegionsOf(*d)); !s) {
      return Fail("--db: assigning the stores file's regions: " + s.error().message);
    }
  }

  HqCounters counters;
  WorkQueue work(static_cast<size_t>(config.workers), 1024);
  AccountPolicy policy;
  policy.session_length = std::chrono::hours(config.session_hours);
  const platform::Clock& clock = platform::SystemClock::Instance();
  Accounts accounts(**store, clock, **random, policy);
  PeerCertificates peers;
  HqContext ctx{**store, stores, accounts, counters, work, clock, peers};

  IngestHandler ingest(
      ctx, IngestOptions{config.max_batches_per_request, config.fail_first, config.hang_first});
  SessionHandler sessions(ctx);
  FiguresHandler figures(ctx);
  const DashboardHandler dashboard(config.chart_js);
  // Each handler lives as long as the routes it lists: their lambdas capture it.
  PrivacyHandler privacy(ctx, config.epsilon_policy_micros);
  BundleHandler bundles(ctx);

  // The route table: one line per group of routes (each handler lists its own).
  std::vector<HqRoute> routes;
  auto add = [&routes](std::vector<HqRoute> more) {
    for (HqRoute& r : more) routes.push_back(std::move(r));
  };
  add(ingest.Routes());     // stores: POST /v1/batches, GET /batches
  add(sessions.Routes());   // people: POST /v1/login, POST /v1/logout
  add(figures.Routes());    // people: GET /v1/figures, GET /v1/stores, GET /v1/breakdown
  add(privacy.Routes());    // people: GET /v1/privacy/epsilon
  add(dashboard.Routes());  // people: GET /, /dashboard/*, /vendor/chart.min.js
  add(bundles.Routes());    // stores: GET /v1/bundles/{kind}
  add({{Listener::kPeople, "GET", "/metrics",
        Gated(ctx, Role::kAdmin, [&counters](const net::Request&, const Session&) {
          net::Response r;
          r.content_type = "text/plain; version=0.0.4";
          r.body = counters.PrometheusText();
          return r;
        })}});

  net::Router stores_router, people_router;
  for (HqRoute& r : routes) {
    (r.listener == Listener::kStores ? stores_router : people_router)
        .Add(r.method, r.pattern, std::move(r.handler));
  }
  stores_router.SetObserver(&counters);
  people_router.AddTlsResponseHeader("Strict-Transport-Security", "max-age=31536000");
  people_router.AddTlsResponseHeader("Cache-Control", "no-store");
  people_router.AddTlsResponseHeader("X-Content-Type-Options", "nosniff");

  net::EventLoop loop;
  net::HttpServerOptions stores_options = ListenerOptions(config.listen, config);
  stores_options.tls = *stores_tls_config;
  net::HttpServerOptions people_options = ListenerOptions(config.web_listen, config);
  people_options.tls = *people_tls_config;
  people_options.max_body_bytes = 16 * 1024;
  net::HttpServer stores_server(loop, stores_router, stores_options);
  net::HttpServer people_server(loop, people_router, people_options);
  auto stores_port = stores_server.Listen();
  if (!stores_port) return Fail("listen on " + config.listen + ": " + stores_port.error().message);
  auto people_port = people_server.Listen();
  if (!people_port) {
    return Fail("listen on " + config.web_listen + ": " + people_port.error().message);
  }

  loop.OnSignals({SIGHUP}, [&stores, &counters, &work, &ctx](int) {
    Status s = stores.Load();
    counters.StoresReload(static_cast<bool>(s));
    if (s) {
      log::Info("hq.stores_reloaded",
                {{"stores", stores.current() ? stores.current()->stores().size() : 0}});
      // Moving sums between regions is database work: on a worker, not on the loop. Until it
      // is done (or if it fails) a region's figures are summed from its stores' own.
      if (auto d = stores.current()) {
        (void)work.Post([&ctx, d] {
          if (Status a = ctx.store.AssignRegions(RegionsOf(*d)); !a) {
            log::Error("hq.regions_assign_failed", {{"error", a.error().message}});
          }
        });
      }
    } else {
      log::Error("hq.stores_reload_failed", {{"error", s.error().message}});
    }
  });
  std::atomic<int> open_listeners{2};
  loop.OnSignals({SIGINT, SIGTERM}, [&](int) {
    ingest.ReleaseHung();  // in-flight requests must finish for the shutdown to complete
    auto done = [&loop, &open_listeners] {
      if (--open_listeners == 0) loop.Stop();
    };
    stores_server.Shutdown(done);
    people_server.Shutdown(done);
  });
  std::cout << "optin-hq listening on " << *stores_port << std::endl;
  std::cout << "optin-hq web listening on " << *people_port << std::endl;
  log::Info("hq.listening", {{"port", *stores_port}, {"web_port", *people_port}});
  loop.Run(static_cast<size_t>(config.threads));
  work.Stop();
  log::Info("hq.stopped",
            {{"stored", counters.Value("optin_hq_batches_total{result=\"stored\"}")},
             {"duplicate", counters.Value("optin_hq_batches_total{result=\"duplicate\"}")},
             {"failed_on_purpose", ingest.failed_on_purpose()},
             {"hung_on_purpose", ingest.hung_on_purpose()}});
  return 0;
}

}  // namespace optin::hq
