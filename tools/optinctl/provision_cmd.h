// `optinctl provision request|install|show` and `optinctl reload`: the installer's side of
// giving the box an HQ-issued TLS identity (see provisioning/provision.h). Single-threaded.
#pragma once

#include <string>
#include <vector>

#include "app/config.h"

// `args` are the words after "provision" (the subcommand first). Returns the exit status:
// 0 on success, 1 on failure, 2 for a usage error; messages go to stdout / stderr.
int RunProvisionCommand(const optin::app::Config& config, std::vector<std::string> args);

// Sends SIGHUP to the optin-edged named in <data_dir>/optin-edged.pid.
int RunReloadCommand(const optin::app::Config& config);
