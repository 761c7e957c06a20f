// hq-receiver: the reference HQ. A small HTTPS server that requires client certificates from
// the store CA, verifies and stores the stores' signed aggregate batches once each, and lists
// them for tests and demos. See --help.
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "net/event_loop.h"
#include "net/http_server.h"
#include "net/router.h"
#include "net/tls_config.h"
#include "platform/clock.h"
#include "platform/log.h"
#include "platform/random.h"
#include "store/database.h"
#include "tools/hq-receiver/hq_receiver.h"

namespace {

constexpr std::string_view kUsage =
    R"(usage: hq-receiver --cert FILE --key FILE --client-ca FILE [options]

  --listen ADDR:PORT    where to listen (default 127.0.0.1:8444; port 0 picks one)
  --cert FILE           the server's certificate chain (PEM)
  --key FILE            its private key (PEM, ECDSA P-256)
  --client-ca FILE      the store CA (PEM): stores must present a certificate it issued
  --db FILE             where batches are kept (default hq-batches.db)
  --allow-store ID      accept batches of this store id (repeatable); without any, a batch's
                        store id must equal the client certificate's CN
  --threads N           network threads (default 1)
  --fail-first N        for fault tests: answer the first N uploads with 500
  --hang-first N        for fault tests: never answer the next N uploads (the connections
                        stay open until the receiver stops)

Routes: POST /v1/batches {"batches": [jws, ...]}, GET /batches?store=ID.
Prints "hq-receiver listening on PORT" once serving; SIGINT/SIGTERM stop it.
)";

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

int Fail(const std::string& message) {
  std::cerr << "hq-receiver: " << message << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace optin;
  std::string listen = "127.0.0.1:8444", cert, key, client_ca, db_file = "hq-batches.db";
  hq::ReceiverOptions options;
  int threads = 1;
  std::vector<std::string> args(argv + 1, argv + argc);
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= args.size()) return false;
      *out = args[++i];
      return true;
    };
    std::string v;
    if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return 0;
    } else if (a == "--listen" && value(&listen)) {
    } else if (a == "--cert" && value(&cert)) {
    } else if (a == "--key" && value(&key)) {
    } else if (a == "--client-ca" && value(&client_ca)) {
    } else if (a == "--db" && value(&db_file)) {
    } else if (a == "--allow-store" && value(&v)) {
      options.allowed_stores.insert(v);
    } else if (a == "--fail-first" && value(&v)) {
      options.fail_first = std::max(0, std::atoi(v.c_str()));
    } else if (a == "--hang-first" && value(&v)) {
      options.hang_first = std::max(0, std::atoi(v.c_str()));
    } else if (a == "--threads" && value(&v)) {
      threads = std::max(1, std::atoi(v.c_str()));
    } else {
      std::cerr << kUsage;
      return Fail("unknown or incomplete option " + a);
    }
  }
  if (cert.empty() || key.empty() || client_ca.empty()) {
    std::cerr << kUsage;
    return Fail("--cert, --key and --client-ca are required (client certificates are mandatory)");
  }
  net::HttpServerOptions server_options;
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return Fail("--listen wants ADDR:PORT");
  server_options.address = listen.substr(0, colon);
  server_options.port = static_cast<uint16_t>(std::atoi(listen.c_str() + colon + 1));
  server_options.max_body_bytes = 8 * 1024 * 1024;
  server_options.server_name = "optin-hq-receiver";

  net::TlsServerSettings tls;
  if (!ReadFile(cert, &tls.cert_chain_pem)) return Fail("cannot read " + cert);
  if (!ReadFile(key, &tls.key_pem)) return Fail("cannot read " + key);
  if (!ReadFile(client_ca, &tls.client_ca_pem)) return Fail("cannot read " + client_ca);
  tls.require_client_cert = true;
  auto random = platform::CtrDrbg::Create("optin-hq-receiver");
  if (!random) return Fail(random.error().message);
  auto tls_config = net::TlsServerConfig::Create(tls, **random);
  if (!tls_config) return Fail(tls_config.error().message);
  server_options.tls = *tls_config;

  store::DatabaseOptions db_options;
  db_options.file = db_file;
  auto db = store::Database::Open(db_options, hq::ReceiverSchema());
  if (!db) return Fail("database " + db_file + ": " + db.error().message);

  net::EventLoop loop;
  net::Router router;
  hq::HqReceiver receiver(**db, platform::SystemClock::Instance(), options);
  receiver.Register(router);
  net::HttpServer server(loop, router, server_options);
  auto port = server.Listen();
  if (!port) return Fail("listen on " + listen + ": " + port.error().message);
  loop.OnSignals({SIGINT, SIGTERM}, [&](int) {
    receiver.ReleaseHung();  // in-flight requests must finish for the shutdown to complete
    server.Shutdown([&loop] { loop.Stop(); });
  });
  std::cout << "hq-receiver listening on " << *port << std::endl;
  platform::log::Info("hq.listening", {{"port", *port}});
  loop.Run(static_cast<size_t>(threads));
  auto c = receiver.counters();
  platform::log::Info("hq.stopped", {{"stored", c.stored},
                                     {"duplicate", c.duplicate},
                                     {"rejected", c.rejected},
                                     {"failed_on_purpose", c.failed_on_purpose},
                                     {"hung_on_purpose", c.hung_on_purpose}});
  (*db)->Stop();
  return 0;
}
