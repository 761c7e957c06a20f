// optin-hq's service: wires the storage, the stores file, the accounts and the handlers to two
// HTTPS listeners (the stores' with mutual TLS, the people's with TLS and session cookies)
// through one route table, and runs them until SIGINT/SIGTERM (SIGHUP reloads the stores file).
// Call from main only.
#pragma once

#include "tools/optin-hq/hq_config.h"

namespace optin::hq {

// Serves until stopped; the process exit code (0 after a clean stop, 1 when it cannot start).
int RunServer(const ServeConfig& config);

}  // namespace optin::hq
