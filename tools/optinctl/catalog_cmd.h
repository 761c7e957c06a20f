// `optinctl catalog sign|check`: signing an offer catalog as an HQ bundle with the development
// HQ key (the one `optinctl token init-dev` creates; never on a store's box), and checking a
// catalog file or bundle the way optin-edged would load it. Single-threaded.
#pragma once

#include <string>
#include <vector>

#include "app/config.h"

// `args` are the words after "catalog" (the subcommand first). Returns the exit status: 0 on
// success, 1 when the catalog is refused or on failure, 2 for a usage error.
int RunCatalogCommand(const optin::app::Config& config, std::vector<std::string> args);
