// `optin-hq user add --id ID --role analyst|admin [--db URL]`: adds an HQ account, the password
// read from standard input. Call from main only.
#pragma once

#include <istream>
#include <string>
#include <vector>

namespace optin::hq {

// `args` after "user". The exit code: 0 added, 1 refused (the reason printed), 2 usage.
int RunUserCommand(const std::vector<std::string>& args, std::istream& in);

}  // namespace optin::hq
