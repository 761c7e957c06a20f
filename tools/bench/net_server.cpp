// optin's own HttpServer answering every GET/POST on one path with {"ok":true}: run it under
// http_load beside bare_server to see what the server layer costs over bare Beast.
//   net_server --port 0 --threads 1 [--path /v1/checkins]   prints "listening <port>".
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "net/event_loop.h"
#include "net/http_server.h"
#include "net/router.h"

int main(int argc, char** argv) {
  optin::net::HttpServerOptions options;
  options.port = 0;
  size_t threads = 1;
  std::string path = "/v1/checkins";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view arg = argv[i];
    if (arg == "--port") {
      options.port = static_cast<uint16_t>(std::atoi(argv[i + 1]));
    } else if (arg == "--threads") {
      threads = static_cast<size_t>(std::max(1, std::atoi(argv[i + 1])));
    } else if (arg == "--path") {
      path = argv[i + 1];
    } else {
      std::fprintf(stderr, "usage: net_server [--port N] [--threads N] [--path P]\n");
      return 2;
    }
  }
  options.max_connections = 4096;

  optin::net::EventLoop loop;
  optin::net::Router router;
  auto ok = [](optin::net::Request&&, optin::net::Responder responder) {
    responder(optin::net::Response::Json(200, R"({"ok":true})"));
  };
  router.Add("GET", path, ok);
  router.Add("POST", path, ok);
  optin::net::HttpServer server(loop, router, options);
  auto port = server.Listen();
  if (!port) {
    std::fprintf(stderr, "net_server: %s\n", port.error().message.c_str());
    return 1;
  }
  loop.OnSignals({SIGINT, SIGTERM}, [&](int) { server.Shutdown([&] { loop.Stop(); }); });
  std::printf("listening %u\n", static_cast<unsigned>(*port));
  std::fflush(stdout);
  loop.Run(threads);
  return 0;
}
