// Whether an optin-edged is running on a data dir: the pid in <data_dir>/optin-edged.pid names a
// live process called optin-edged. Lets optinctl say "reload it" only when there is something
// to reload. Stateless; thread-safe.
#pragma once

#include <optional>
#include <string>

#include "app/config.h"

namespace optinctl {

// The running daemon's pid, or nothing (no pid file, a stale one, or another program's pid).
std::optional<long long> RunningDaemonPid(const optin::app::Config& config);

// The advice after a change the daemon reads at start or on reload: "run optinctl reload ..."
// when one is running, else that the next start picks it up. `what` is e.g. "the new key".
std::string ReloadAdvice(const optin::app::Config& config, const std::string& what);

}  // namespace optinctl
