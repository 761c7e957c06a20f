#include "running_daemon.h"

#include <signal.h>

#include <cerrno>

#include "platform/file_system.h"

namespace optinctl {

std::optional<long long> RunningDaemonPid(const optin::app::Config& config) {
  auto& fs = optin::platform::FileSystem::Default();
  auto text = fs.ReadFile(config.data_dir / "optin-edged.pid");
  if (!text) return std::nullopt;
  long long pid = 0;
  try {
    pid = std::stoll(*text);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (pid <= 1) return std::nullopt;
  if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno != EPERM) return std::nullopt;
  if (auto name = fs.ReadFile("/proc/" + std::to_string(pid) + "/comm"); name) {
    while (!name->empty() && (name->back() == '\n' || name->back() == ' ')) name->pop_back();
    if (*name != "optin-edged") return std::nullopt;
  }
  return pid;
}

std::string ReloadAdvice(const optin::app::Config& config, const std::string& what) {
  if (auto pid = RunningDaemonPid(config)) {
    std::string command = "optinctl reload";
    for (const auto& a : config.source_args) command += " " + a;
    return "optin-edged is running (pid " + std::to_string(*pid) + "): run `" + command +
           "` to use " + what + ".";
  }
  return "optin-edged is not running on " + config.data_dir.string() + "; it uses " + what +
         " when it starts.";
}

}  // namespace optinctl
