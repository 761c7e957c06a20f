// Command-line word handling shared by optinctl's commands: flags are taken out of the word
// list as they are read, so whatever is left over is an unknown argument. Stateless.
#pragma once

#include <algorithm>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/error.h"

namespace optinctl {

// Removes "NAME VALUE" from `args` and returns VALUE; nothing when NAME is absent; an error
// (kInvalidArgument) when NAME is the last word.
inline optin::Result<std::optional<std::string>> TakeFlag(std::vector<std::string>& args,
                                                          std::string_view name) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] != name) continue;
    if (i + 1 >= args.size()) {
      return optin::Fail(optin::ErrorCode::kInvalidArgument, std::string(name) + " needs a value");
    }
    std::string value = std::move(args[i + 1]);
    args.erase(args.begin() + static_cast<long>(i), args.begin() + static_cast<long>(i) + 2);
    return std::optional<std::string>(std::move(value));
  }
  return std::optional<std::string>();
}

// Every VALUE of a flag that may repeat ("--host-name a --host-name b").
inline optin::Result<std::vector<std::string>> TakeRepeatedFlag(std::vector<std::string>& args,
                                                                std::string_view name) {
  std::vector<std::string> values;
  while (true) {
    OPTIN_ASSIGN_OR_RETURN(std::optional<std::string> v, TakeFlag(args, name));
    if (!v) return values;
    values.push_back(std::move(*v));
  }
}

// Removes every NAME from `args`; true if there was one.
inline bool TakeSwitch(std::vector<std::string>& args, std::string_view name) {
  return std::erase(args, std::string(name)) > 0;
}

// The `sign` / `check` pair shared by the bundle groups (catalog, notice): runs the subcommand,
// prints the group's usage on a missing or unknown word or a bad argument (exit 2), the error
// otherwise (exit 1).
template <class Config>
int RunSignOrCheck(std::string_view group, const char* usage, const Config& config,
                   std::vector<std::string> args,
                   optin::Status (*sign)(const Config&, std::vector<std::string>&),
                   optin::Result<int> (*check)(const Config&, std::vector<std::string>&)) {
  if (args.empty() || args.front() == "--help" || args.front() == "help") {
    std::fputs(usage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  const std::string sub = args.front();
  args.erase(args.begin());
  optin::Result<int> code = 0;
  if (sub == "sign") {
    optin::Status s = sign(config, args);
    if (!s) code = std::unexpected(s.error());
  } else if (sub == "check") {
    code = check(config, args);
  } else {
    code = optin::Fail(optin::ErrorCode::kInvalidArgument,
                       "unknown " + std::string(group) + " command '" + sub + "'");
  }
  if (code) return *code;
  std::fprintf(stderr, "optinctl: %s\n", code.error().message.c_str());
  if (code.error().code == optin::ErrorCode::kInvalidArgument) {
    std::fputs(usage, stderr);
    return 2;
  }
  return 1;
}

}  // namespace optinctl
