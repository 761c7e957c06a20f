// optinctl sync explain | status | release-now (sync_cmd.cpp). Single-threaded use.
#pragma once

#include <string>
#include <vector>

#include "app/config.h"

namespace optinctl {

// `words`: the subcommand and its arguments. Returns the exit status (2: usage).
int RunSyncCommand(const optin::app::Config& config, const std::vector<std::string>& words);

}  // namespace optinctl
