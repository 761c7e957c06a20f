#include "tools/optin-hq/user_command.h"

#include <iostream>

#include "platform/clock.h"
#include "platform/random.h"
#include "tools/optin-hq/accounts.h"
#include "tools/optin-hq/hq_config.h"
#include "tools/optin-hq/hq_store.h"

namespace optin::hq {

int RunUserCommand(const std::vector<std::string>& args, std::istream& in) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] != "add") {
    (args.empty() || args[0] == "--help" || args[0] == "-h" ? std::cout : std::cerr) << kUserUsage;
    return args.empty() || args[0] == "--help" || args[0] == "-h" ? 0 : 2;
  }
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  for (const std::string& a : rest) {
    if (a == "--help" || a == "-h") {
      std::cout << kUserUsage;
      return 0;
    }
  }
  auto config = ParseUserAddFlags(rest);
  if (!config) {
    std::cerr << kUserUsage << "optin-hq user add: " << config.error().message << "\n";
    return 2;
  }
  auto role = ParseRole(config->role);
  if (!role) {
    std::cerr << "optin-hq user add: " << role.error().message << "\n";
    return 2;
  }
  std::string password;
  std::getline(in, password);
  if (!password.empty() && password.back() == '\r') password.pop_back();
  auto store = OpenHqStore(config->db);
  if (!store) {
    std::cerr << "optin-hq user add: --db: " << store.error().message << "\n";
    return 1;
  }
  auto random = platform::CtrDrbg::Create("optin-hq user add");
  if (!random) {
    std::cerr << "optin-hq user add: " << random.error().message << "\n";
    return 1;
  }
  Accounts accounts(**store, platform::SystemClock::Instance(), **random);
  if (Status s = accounts.AddUser(config->id, *role, password); !s) {
    std::cerr << "optin-hq user add: " << s.error().message << "\n";
    return 1;
  }
  std::cout << "added " << RoleName(*role) << " '" << config->id << "' to " << (*store)->engine()
            << "\n";
  return 0;
}

}  // namespace optin::hq
