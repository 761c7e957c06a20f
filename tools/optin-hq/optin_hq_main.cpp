// optin-hq: the HQ service. `optin-hq [serve] ...` receives the stores' signed batches over
// mutual TLS and serves the chain's figures with their error to people with accounts;
// `optin-hq user add ...` adds an account. The subcommand table below is the one place a
// subcommand is added (one line each).
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "tools/optin-hq/bundle_publish_command.h"
#include "tools/optin-hq/hq_config.h"
#include "tools/optin-hq/hq_server.h"
#include "tools/optin-hq/user_command.h"

namespace {

using optin::hq::kServeUsage;

int Serve(const std::vector<std::string>& args) {
  for (const std::string& a : args) {
    if (a == "--help" || a == "-h") {
      std::cout << kServeUsage;
      return 0;
    }
  }
  auto config = optin::hq::ParseServeFlags(args);
  if (!config) {
    std::cerr << kServeUsage << "optin-hq: " << config.error().message << "\n";
    return 2;
  }
  return optin::hq::RunServer(*config);
}

int User(const std::vector<std::string>& args) { return optin::hq::RunUserCommand(args, std::cin); }

struct Subcommand {
  std::string_view name;
  int (*run)(const std::vector<std::string>& args);
  std::string_view summary;
};

// One line per subcommand.
constexpr Subcommand kSubcommands[] = {
    {"serve", Serve, "run HQ: the stores' uploads and the people's figures (the default)"},
    {"user", User, "user add --id ID --role analyst|admin: add an account (password on stdin)"},
    {"publish", optin::hq::RunPublish,
     "publish --hq-key FILE --kind catalog|notice --store ID|--region R BUNDLE: for the boxes"},
};

void PrintUsage(std::ostream& out) {
  out << "usage: optin-hq [SUBCOMMAND] [options]   (optin-hq SUBCOMMAND --help for its "
         "options)\n\n";
  for (const Subcommand& s : kSubcommands) out << "  " << s.name << "\t" << s.summary << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0].starts_with("--")) {
    if (!args.empty() && (args[0] == "--help")) {
      PrintUsage(std::cout);
      std::cout << "\n" << kServeUsage;
      return 0;
    }
    return Serve(args);  // flags alone: serve
  }
  if (args[0] == "help" || args[0] == "-h") {
    PrintUsage(std::cout);
    return 0;
  }
  for (const Subcommand& s : kSubcommands) {
    if (s.name == args[0]) return s.run({args.begin() + 1, args.end()});
  }
  PrintUsage(std::cerr);
  std::cerr << "optin-hq: unknown subcommand '" << args[0] << "'\n";
  return 2;
}
