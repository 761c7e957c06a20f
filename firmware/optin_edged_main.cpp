// optin-edged: the in-store personalization service. See README.md.
#include <cstdio>
#include <string>
#include <vector>

#include "app/config.h"
#include "app/service.h"
#include "platform/log.h"

namespace {

constexpr const char* kUsage =
    "usage: optin-edged [--config FILE] [--data-dir DIR] [--listen ADDRESS:PORT]\n"
    "\n"
    "Runs with built-in defaults when no config file is given: data in ./var, listening on\n"
    "127.0.0.1:8443 (HTTPS). See config/optin-edge.toml for every setting.\n";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
  }
  auto config = optin::app::ConfigFromArgs(args);
  if (!config) {
    std::fprintf(stderr, "optin-edged: %s\n", config.error().message.c_str());
    return 2;
  }
  if (!args.empty()) {
    std::fprintf(stderr, "optin-edged: unknown argument '%s'\n%s", args.front().c_str(), kUsage);
    return 2;
  }
  auto service = optin::app::Service::Create(std::move(*config));
  if (!service) {
    optin::platform::log::Error("service.start_failed", {{"message", service.error().message}});
    std::fprintf(stderr, "optin-edged: cannot start: %s\n", service.error().message.c_str());
    return 1;
  }
  return (*service)->Run();
}
