#include "kiosk_cmd.h"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>

#include "app/domain.h"
#include "kiosk/kiosk_feed.h"
#include "kiosk/kiosk_pairings.h"
#include "platform/clock.h"
#include "platform/file_system.h"
#include "platform/key_store.h"
#include "platform/random.h"
#include "privacy/pseudonymizer.h"
#include "store/database.h"

namespace {

using optin::ErrorCode;
using optin::Fail;
using optin::Result;
using optin::Status;
using optin::kiosk::KioskPairings;

constexpr const char* kKioskUsage = R"(usage:
  optinctl kiosk pair --name NAME [--host HOST]
                     print a one-time link that pairs a kiosk screen (open it on the kiosk
                     within 10 minutes); HOST defaults to the first of tls.host_names
  optinctl kiosk list [--json]
                     the kiosks: paired, pending (link not opened yet), expired, revoked
  optinctl kiosk revoke NAME
                     end the kiosk's pairing; its screen stops showing the code at once
)";

// Removes "NAME VALUE" (or "NAME=VALUE") from `args`; nothing when absent.
Result<std::optional<std::string>> TakeFlag(std::vector<std::string>& args, std::string_view name) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].starts_with(std::string(name) + "=")) {
      std::string value = args[i].substr(name.size() + 1);
      args.erase(args.begin() + static_cast<long>(i));
      return std::optional<std::string>(std::move(value));
    }
    if (args[i] != name) continue;
    if (i + 1 >= args.size()) {
      return Fail(ErrorCode::kInvalidArgument, std::string(name) + " needs a value");
    }
    std::string value = std::move(args[i + 1]);
    args.erase(args.begin() + static_cast<long>(i), args.begin() + static_cast<long>(i) + 2);
    return std::optional<std::string>(std::move(value));
  }
  return std::optional<std::string>();
}

// https://HOST:PORT/kiosk/pair?t=TOKEN (http with listen.plain_http).
std::string PairingUrl(const optin::app::Config& config, const std::string& host,
                       const std::string& token) {
  std::string shop = optin::kiosk::ShopPageUrl(!config.listen.plain_http, host, config.listen.port);
  shop.resize(shop.size() - std::string_view("/shop").size());
  return shop + "/kiosk/pair?t=" + token;
}

Status Run(const optin::app::Config& config, std::vector<std::string> args) {
  if (args.empty()) return Fail(ErrorCode::kInvalidArgument, "kiosk needs a subcommand");
  const std::string sub = args.front();
  args.erase(args.begin());
  OPTIN_ASSIGN_OR_RETURN(auto name, TakeFlag(args, "--name"));
  OPTIN_ASSIGN_OR_RETURN(auto host, TakeFlag(args, "--host"));
  const bool as_json = std::erase(args, std::string("--json")) > 0;
  if (sub == "revoke" && !name && !args.empty() && !args.front().starts_with("--")) {
    name = args.front();
    args.erase(args.begin());
  }
  if (!args.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "unknown argument '" + args.front() + "'");
  }
  if (sub == "pair" || sub == "revoke") {
    if (!name) {
      return Fail(ErrorCode::kInvalidArgument,
                  sub == "pair" ? "kiosk pair needs --name NAME" : "kiosk revoke needs NAME");
    }
    OPTIN_TRY(KioskPairings::CheckName(*name, sub == "pair" ? "--name" : "NAME"));
  } else if (sub != "list") {
    return Fail(ErrorCode::kInvalidArgument,
                "unknown kiosk subcommand '" + sub + "' (kiosk takes: pair, list, revoke)");
  }
  if (host && (sub != "pair" || host->empty())) {
    return Fail(ErrorCode::kInvalidArgument, "--host HOST goes with kiosk pair");
  }
  if (as_json && sub != "list") {
    return Fail(ErrorCode::kInvalidArgument, "--json goes with kiosk list");
  }

  auto& fs = optin::platform::FileSystem::Default();
  OPTIN_TRY(fs.CreateDirectories(config.data_dir, 0700));
  OPTIN_ASSIGN_OR_RETURN(auto random, optin::platform::CtrDrbg::Create("optinctl-kiosk"));
  // The same keys as the daemon's, so that the hashes it stores match what it checks.
  OPTIN_ASSIGN_OR_RETURN(auto keys, optin::platform::KeyStore::Open(fs, *random, config.data_dir));
  const auto domain_keys = optin::app::DomainKeys::FromKeyStore(*keys);
  optin::privacy::Pseudonymizer pseudonymizer(domain_keys.pseudonym, domain_keys.token_hash);
  optin::store::DatabaseOptions options;
  options.file = config.database_file();
  options.readers = 1;
  OPTIN_ASSIGN_OR_RETURN(auto db, optin::store::Database::Open(options));
  const auto& clock = optin::platform::SystemClock::Instance();
  KioskPairings pairings(clock, *random, pseudonymizer);

  Status result;
  if (sub == "pair") {
    auto link = db->WriteSync<optin::kiosk::KioskPairingLink>(
        [&](optin::store::Connection& c) { return pairings.CreateLink(c, *name); });
    if (link) {
      const std::string link_host =
          host ? *host
               : (!config.tls.host_names.empty()
                      ? config.tls.host_names.front()
                      : (!config.tls.ip_addresses.empty() ? config.tls.ip_addresses.front()
                                                          : std::string("localhost")));
      std::printf(
          "%s\n"
          "Open this link once on the kiosk '%s' before %s (10 minutes); it then shows the "
          "check-in code. The link works once; anyone who has it before then can pair a "
          "screen, so do not share it.\n",
          PairingUrl(config, link_host, link->token).c_str(), name->c_str(),
          optin::platform::FormatIso8601Utc(link->expires_at).c_str());
    } else {
      result = std::unexpected(link.error());
    }
  } else if (sub == "revoke") {
    result = db->WriteSync(
        [&](optin::store::Connection& c) -> Status { return pairings.Revoke(c, *name); });
    if (result) {
      std::printf("revoked kiosk '%s': its screen stops showing the check-in code\n",
                  name->c_str());
    }
  } else {
    auto kiosks = db->ReadSync<std::vector<optin::kiosk::KioskRecord>>(
        [&](optin::store::Connection& c) { return pairings.List(c); });
    if (!kiosks) {
      result = std::unexpected(kiosks.error());
    } else if (as_json) {
      boost::json::array out;
      for (const auto& k : *kiosks) {
        boost::json::object o{{"name", k.name}, {"state", optin::kiosk::ToString(k.state)}};
        o["paired_at"] = k.paired_at ? boost::json::value(*k.paired_at) : nullptr;
        o["revoked_at"] = k.revoked_at ? boost::json::value(*k.revoked_at) : nullptr;
        o["link_expires_at"] = k.link_expires_at ? boost::json::value(*k.link_expires_at) : nullptr;
        out.push_back(std::move(o));
      }
      std::printf("%s\n", boost::json::serialize(out).c_str());
    } else {
      std::printf("%-32s  %-8s  %s\n", "NAME", "STATE", "SINCE");
      for (const auto& k : *kiosks) {
        const int64_t since = k.revoked_at  ? *k.revoked_at
                              : k.paired_at ? *k.paired_at
                                            : k.created_at;
        std::printf("%-32s  %-8s  %s\n", k.name.c_str(),
                    std::string(optin::kiosk::ToString(k.state)).c_str(),
                    optin::platform::FormatIso8601Utc(since).c_str());
      }
      if (kiosks->empty()) std::printf("(no kiosks yet: optinctl kiosk pair --name NAME)\n");
    }
  }
  db->Stop();
  return result;
}

}  // namespace

int RunKioskCommand(const optin::app::Config& config, std::vector<std::string> args) {
  if (!args.empty() && (args.front() == "--help" || args.front() == "help" ||
                        std::find(args.begin(), args.end(), "--help") != args.end())) {
    std::fputs(kKioskUsage, stdout);
    return 0;
  }
  Status s = Run(config, std::move(args));
  if (s) return 0;
  std::fprintf(stderr, "optinctl: %s\n", s.error().message.c_str());
  if (s.error().code == ErrorCode::kInvalidArgument) {
    std::fputs(kKioskUsage, stderr);
    return 2;
  }
  return 1;
}
