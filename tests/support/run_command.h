// Runs a shell command for a test and collects what it printed (stdout and stderr together) and
// its exit status. Header-only; each call is independent.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>

namespace optin::testing {

struct CommandResult {
  int exit_code = -1;  // -1 when it could not run or did not exit normally
  std::string out;     // stdout and stderr
};

inline CommandResult RunCommand(const std::string& command) {
  CommandResult r;
  FILE* f = popen((command + " 2>&1").c_str(), "r");
  if (f == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) r.out.append(buf, n);
  const int status = pclose(f);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace optin::testing
