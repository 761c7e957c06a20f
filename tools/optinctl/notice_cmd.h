// `optinctl notice check|sign`: checking a privacy notice file or HQ bundle the way optin-edged
// would admit it (against the store's languages and, when the box has a database, the version
// in force), and signing a notice file as an HQ bundle with the development HQ key (the one
// `optinctl token init-dev` creates; never on a store's box). Single-threaded.
#pragma once

#include <string>
#include <vector>

#include "app/config.h"

// `args` are the words after "notice" (the subcommand first). Returns the exit status: 0 on
// success, 1 when the notice is refused or on failure, 2 for a usage error.
int RunNoticeCommand(const optin::app::Config& config, std::vector<std::string> args);
