// `optin-hq publish`: checks a signed bundle and publishes it for a store or a region, for the
// boxes to fetch at their next sync (issue 15 part 5). A subcommand of the optin-hq program
// (its table calls RunPublishCommand with the arguments after "publish"). Not thread-safe (one
// command per process).
#pragma once

#include <iosfwd>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace optin::hq {

inline constexpr std::string_view kPublishUsage =
    "usage: optin-hq publish --hq-key FILE --kind catalog|notice (--store ID | --region NAME)\n"
    "                        [--db URL] [--stores FILE] BUNDLE\n"
    "  --db      sqlite:PATH (default sqlite:hq.db, as serve) or postgresql://...\n"
    "  --hq-key  HQ's signing key as PEM (its public key, or the private key)\n"
    "  --stores  the stores file: the store or region must be in it\n"
    "  BUNDLE    the signed bundle (optinctl catalog|notice sign), '-' for stdin\n";

// Exit codes: 0 published (or already published), 1 refused (the reason on `err`), 2 usage.
int RunPublishCommand(std::span<const std::string> args, std::ostream& out, std::ostream& err);
// The same on stdout and stderr, for optin-hq's subcommand table.
int RunPublish(const std::vector<std::string>& args);

}  // namespace optin::hq
