// `optinctl staff add|remove|reset-pin|list`: the store manager's tool for staff accounts (see
// assist/staff_directory.h). PINs are read from stdin (one line; echo off on a terminal), never
// from the command line, so they stay out of `ps` and shell history. Single-threaded.
#pragma once

#include <string>
#include <vector>

#include "app/config.h"

// `args` are the words after "staff" (the subcommand first). Returns the exit status: 0 on
// success, 1 on failure, 2 for a usage error; messages go to stdout / stderr.
int RunStaffCommand(const optin::app::Config& config, std::vector<std::string> args);
