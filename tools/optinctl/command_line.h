// optinctl's command table and its command-line parser: which commands exist, which flags and
// operands each takes, and the usage texts made from that table. ParseCommandLine only looks at
// the words (no files, no config, no keys), so the fuzz target runs it on any argument vector.
// Pure functions over an immutable table; thread-safe.
//
// Adding a command: a CommandSpec in Commands() (command_line.cpp) and a handler in
// optinctl_main.cpp. A group whose file reads its own words (RunXCommand(config, words), as
// sync_cmd.cpp and kiosk_cmd.cpp do) still gets a spec for each subcommand: the parser checks
// every word against it (unknown flags, missing values, --help) before the handler sees
// Invocation::words, so the help, the checks and the fuzz target cover every command.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace optinctl {

struct FlagSpec {
  std::string_view name;        // "--sub"
  std::string_view value_name;  // "ID"; empty for a switch
  bool required = false;
  bool repeated = false;  // may be given more than once ("--host-name a --host-name b")
  std::string_view help;  // one line; empty: not listed in the help (kept for old scripts)
};

struct CommandSpec {
  std::string_view group;     // "token"; empty for a one-word command ("presence-code")
  std::string_view name;      // "mint", or the one-word command
  std::string_view operands;  // "FILE|-"; empty: none
  size_t min_operands = 0;
  size_t max_operands = 0;
  std::vector<FlagSpec> flags;
  std::string_view summary;  // what it does, in a sentence or two
  bool delegated = false;    // its handler reads Invocation::words (informational)

  std::string FullName() const;  // "token mint"
};

// Every command, in the order the help lists them.
const std::vector<CommandSpec>& Commands();

// The words a successful parse leaves for the handler.
struct Invocation {
  const CommandSpec* command = nullptr;
  // "--config FILE", "--data-dir DIR" as given (for app::ConfigFromArgs).
  std::vector<std::string> global_args;
  // Each flag given, by name ("--sub"), with its values in order; a switch has one empty value.
  std::map<std::string, std::vector<std::string>, std::less<>> flags;
  std::vector<std::string> operands;
  // The subcommand followed by its flags ("--name value", normalized from "--name=value") and
  // operands: what a group handler that reads words itself gets.
  std::vector<std::string> words;

  bool Has(std::string_view flag) const { return flags.contains(flag); }
  std::optional<std::string> Value(std::string_view flag) const;
  std::vector<std::string> Values(std::string_view flag) const;
};

struct ParseOutcome {
  enum class Kind {
    kRun,         // run `invocation`
    kHelp,        // print `usage` on stdout, exit 0
    kUsageError,  // print "optinctl: " + message, then `usage`, on stderr; exit 2
  };
  Kind kind = Kind::kUsageError;
  Invocation invocation;
  std::string message;
  std::string usage;  // the narrowest usage that helps: the command's, its group's, or all
};

ParseOutcome ParseCommandLine(std::span<const std::string> args);

// The whole help; one group's ("token"); one command's.
std::string GeneralUsage();
std::string GroupUsage(std::string_view group);
std::string CommandUsage(const CommandSpec& command);

}  // namespace optinctl
