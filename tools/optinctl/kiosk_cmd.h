// `optinctl kiosk pair|list|revoke`: the store manager pairs the kiosk screens that may show
// the presence code (see kiosk/kiosk_pairings.h), lists them and revokes one. Writes the same
// SQLite database as the daemon (its single writer takes turns with this one through SQLite's
// lock); the daemon notices a revocation within a quarter of a second. Single-threaded.
#pragma once

#include <string>
#include <vector>

#include "app/config.h"

// `args` are the words after "kiosk" (the subcommand first). Returns the exit status: 0 on
// success, 1 on failure, 2 for a usage error; messages go to stdout / stderr.
int RunKioskCommand(const optin::app::Config& config, std::vector<std::string> args);
