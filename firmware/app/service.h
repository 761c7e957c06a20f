// The composition root: builds every part from the Config in start-up order (directories,
// entropy, keys, database, domain modules, routes, listener, timers), runs the event loop, and
// shuts down in reverse on SIGTERM/SIGINT: stop accepting, let in-flight requests finish,
// drain the database writer, stop. Start-up failures are returned as Errors. Not copyable;
// Run() is called once from the main thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "app/config.h"
#include "platform/error.h"

namespace optin::app {

class Service {
 public:
  // `fs`: the door to every file (tests pass a platform::FaultInjectingFileSystem).
  static Result<std::unique_ptr<Service>> Create(
      Config config, platform::FileSystem& fs = platform::FileSystem::Default());
  ~Service();

  // Serves until a termination signal; returns the process exit code.
  int Run();
  uint16_t port() const;

  // Every route served, with its listener ("public" or "admin"): for the API contract test.
  struct RouteInfo {
    std::string listener;
    std::string method;
    std::string pattern;
  };
  std::vector<RouteInfo> Routes() const;

  // Everything the service is made of (defined in service.cpp only).
  struct Parts;

 private:
  explicit Service(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> p_;
};

}  // namespace optin::app
