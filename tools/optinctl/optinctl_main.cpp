// optinctl: the installer's and store manager's command line for the box. See README.md.
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "app/config.h"
#include "catalog_cmd.h"
#include "kiosk_cmd.h"
#include "cli_args.h"
#include "platform/clock.h"
#include "platform/encoding.h"
#include "platform/file_system.h"
#include "platform/key_store.h"
#include "platform/log.h"
#include "platform/random.h"
#include "privacy/audit_log.h"
#include "privacy/jws.h"
#include "provision_cmd.h"
#include "staff_cmd.h"
#include "sync_cmd.h"
#include "store/database.h"
#include "visits/presence_code.h"

namespace {

using optin::Error;
using optin::ErrorCode;
using optin::Fail;
using optin::Result;
using optin::Status;
namespace platform = optin::platform;

constexpr const char* kUsage = R"(usage: optinctl COMMAND [--config FILE] [--data-dir DIR] [options]

Commands:
  token init-dev            create a development HQ token key pair in DIR/keys and install its
                            public key as the HQ token key (never on a store's box)
  token mint --sub ID       print an app token signed with the development HQ key
                            (created by init-dev, or on first use)
      [--ttl SECONDS] [--jti ID] [--purposes offers,assistance] [--iss ISSUER] [--aud STORE]
      [--count N]           N tokens, one per line, with subjects ID-1 ... ID-N
      [--bench-requests]    print load-generator request lines (token + current presence code)
  presence-code             print the store's current presence code and its seconds left
  audit verify              check the hash chain of the audit log
  keys show                 print the device's public signing key and the HQ key status
  provision request --store-id ID [--host-name NAME ...]
                            write a certificate request (DIR/tls/device.csr) for HQ's CA
  provision install --cert FILE --ca FILE [--hq-token-key FILE]
                            check and install the certificate HQ issued, its CA bundle and
                            HQ's token key (nothing changes if any of them is refused)
  provision show            store id, certificate in use, CA bundle
  reload                    ask the running optin-edged to reload (SIGHUP, via DIR/optin-edged.pid)
  staff add --id ID --role associate|manager
                            add a staff account; its PIN (4 to 12 digits) is read from stdin
  staff remove --id ID      remove an account and end its sessions
  staff reset-pin --id ID   set a new PIN (from stdin), unlock the account, end its sessions
  staff list                accounts with their role and whether they are locked
  kiosk pair --name NAME [--host HOST]
                            print a one-time link (10 minutes) that pairs a kiosk screen
  kiosk list [--json]       kiosks: paired, pending, expired or revoked
  kiosk revoke NAME         end a kiosk's pairing; its screen stops showing the code at once
  catalog sign --in FILE [--ttl-days N]
                            sign an offer catalog as an HQ bundle with the development HQ key
  catalog check FILE        validate a catalog file or HQ bundle: "ok: N offers" or what is wrong
  sync explain [--daily N] [--stores S]
                            per HQ metric: cap, epsilon, noise scale, error of a store-day,
                            store-week and chain-day; what a day's epsilon means for a shopper
  sync status [--json] [--admin-port P]
                            periods released, budget spent today, outbox depth, last upload
  sync release-now [--json] [--admin-port P]
                            development only (sync.allow_manual_release): release the current
                            period now; it spends budget like any release

The data dir defaults to ./var, as for optin-edged; --config reads the same file as the daemon.
)";

constexpr std::string_view kDevHqKey = "dev-hq-token.pem";

using optinctl::TakeFlag;
using optinctl::TakeSwitch;

struct Context {
  optin::app::Config config;
  platform::FileSystem& fs = platform::FileSystem::Default();
  std::unique_ptr<platform::CtrDrbg> random;
  std::unique_ptr<platform::KeyStore> keys;
};

Result<Context> OpenContext(optin::app::Config config) {
  Context ctx;
  ctx.config = std::move(config);
  OPTIN_TRY(ctx.fs.CreateDirectories(ctx.config.data_dir, 0700));
  OPTIN_ASSIGN_OR_RETURN(ctx.random, platform::CtrDrbg::Create("optinctl"));
  OPTIN_ASSIGN_OR_RETURN(ctx.keys,
                         platform::KeyStore::Open(ctx.fs, *ctx.random, ctx.config.data_dir));
  return ctx;
}

// Messages go to `out` (stdout for init-dev, stderr when mint creates the key on first use).
Status TokenInitDev(Context& ctx, bool force, FILE* out) {
  const auto priv = ctx.keys->keys_dir() / std::string(kDevHqKey);
  const auto pub = ctx.config.hq_token_key_file();
  OPTIN_ASSIGN_OR_RETURN(bool exists, ctx.fs.Exists(priv));
  if (exists && !force) {
    std::fprintf(out, "development HQ key already exists: %s (use --force to replace it)\n",
                 priv.c_str());
  } else {
    OPTIN_ASSIGN_OR_RETURN(auto key, platform::EcdsaPrivateKey::Generate(*ctx.random));
    OPTIN_ASSIGN_OR_RETURN(std::string pem, key.ToPem());
    OPTIN_TRY(ctx.fs.WriteFileAtomic(priv, pem, 0600));
    std::fprintf(out, "created development HQ key: %s\n", priv.c_str());
  }
  OPTIN_ASSIGN_OR_RETURN(std::string pem, ctx.fs.ReadFile(priv));
  OPTIN_ASSIGN_OR_RETURN(auto key, platform::EcdsaPrivateKey::FromPem(pem));
  OPTIN_ASSIGN_OR_RETURN(std::string pub_pem, key.PublicKey().ToPem());
  OPTIN_TRY(ctx.fs.WriteFileAtomic(pub, pub_pem, 0644));
  std::fprintf(out,
               "installed its public key as the HQ token key: %s\n"
               "restart optin-edged to pick it up.\n",
               pub.c_str());
  return optin::Ok();
}

Status TokenMint(Context& ctx, std::vector<std::string>& args) {
  OPTIN_ASSIGN_OR_RETURN(auto sub, TakeFlag(args, "--sub"));
  if (!sub || sub->empty()) return Fail(ErrorCode::kInvalidArgument, "token mint needs --sub ID");
  int64_t ttl = 600, count = 1;
  OPTIN_ASSIGN_OR_RETURN(auto ttl_text, TakeFlag(args, "--ttl"));
  OPTIN_ASSIGN_OR_RETURN(auto count_text, TakeFlag(args, "--count"));
  try {
    if (ttl_text) ttl = std::stoll(*ttl_text);
    if (count_text) count = std::stoll(*count_text);
  } catch (const std::exception&) {
    return Fail(ErrorCode::kInvalidArgument, "--ttl and --count take whole numbers");
  }
  if (ttl <= 0 || count <= 0 || count > 10'000'000) {
    return Fail(ErrorCode::kInvalidArgument, "--ttl and --count must be positive");
  }
  OPTIN_ASSIGN_OR_RETURN(auto jti, TakeFlag(args, "--jti"));
  OPTIN_ASSIGN_OR_RETURN(auto purposes, TakeFlag(args, "--purposes"));
  OPTIN_ASSIGN_OR_RETURN(auto iss_text, TakeFlag(args, "--iss"));
  OPTIN_ASSIGN_OR_RETURN(auto aud_text, TakeFlag(args, "--aud"));
  const std::string iss = iss_text.value_or("dev-hq");
  const std::string aud = aud_text.value_or(ctx.config.store.id);
  const bool bench = TakeSwitch(args, "--bench-requests");
  if (!args.empty())
    return Fail(ErrorCode::kInvalidArgument, "unknown argument '" + args.front() + "'");

  const auto priv = ctx.keys->keys_dir() / std::string(kDevHqKey);
  OPTIN_ASSIGN_OR_RETURN(bool have_key, ctx.fs.Exists(priv));
  if (!have_key) {
    // First use on a development box: make the key pair, telling stderr so that stdout
    // stays the token.
    std::fprintf(stderr, "optinctl: no development HQ key yet; creating one\n");
    OPTIN_TRY(TokenInitDev(ctx, false, stderr));
  }
  OPTIN_ASSIGN_OR_RETURN(std::string pem_text, ctx.fs.ReadFile(priv));
  std::optional<std::string> pem = std::move(pem_text);
  OPTIN_ASSIGN_OR_RETURN(auto key, platform::EcdsaPrivateKey::FromPem(*pem));
  const std::string kid = key.PublicKey().KeyId();
  const int64_t now = platform::SystemClock::Instance().NowUnix();
  std::string presence_code;
  if (bench) {
    optin::visits::PresenceCode presence(ctx.keys->DeriveKey("presence"),
                                         platform::SystemClock::Instance());
    presence_code = presence.Current();
  }
  std::string out;
  for (int64_t i = 1; i <= count; ++i) {
    boost::json::object claims{
        {"iss", iss},
        {"sub", count == 1 ? *sub : *sub + "-" + std::to_string(i)},
        {"aud", aud},
        {"iat", now},
        {"exp", now + ttl},
        {"jti", (jti && count == 1) ? *jti : platform::Base64UrlEncode(ctx.random->Bytes(16))}};
    if (purposes) {
      boost::json::array list;
      std::string_view rest = *purposes;
      while (!rest.empty()) {
        size_t comma = rest.find(',');
        list.push_back(boost::json::string(rest.substr(0, comma)));
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
      claims["purposes"] = std::move(list);
    }
    OPTIN_ASSIGN_OR_RETURN(std::string token,
                           optin::privacy::SignJws(key, *ctx.random, kid, "JWT", claims));
    if (bench) {
      boost::json::object body{
          {"presence_code", presence_code},
          {"purposes", boost::json::object{{"offers", true}, {"assistance", true}}}};
      boost::json::object line{
          {"headers", boost::json::object{{"authorization", "Bearer " + token},
                                          {"content-type", "application/json"}}},
          {"body", boost::json::serialize(body)}};
      out += boost::json::serialize(line);
    } else {
      out += token;
    }
    out += '\n';
    if (out.size() > (1 << 20)) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return optin::Ok();
}

Status PresenceCodeCmd(Context& ctx) {
  optin::visits::PresenceCode presence(ctx.keys->DeriveKey("presence"),
                                       platform::SystemClock::Instance());
  std::printf("%s\nvalid for %lld more seconds (and the 30 seconds after)\n",
              presence.Current().c_str(), static_cast<long long>(presence.SecondsRemaining()));
  return optin::Ok();
}

Result<int> AuditVerify(const optin::app::Config& config) {
  auto& fs = platform::FileSystem::Default();
  OPTIN_ASSIGN_OR_RETURN(bool exists, fs.Exists(config.database_file()));
  if (!exists) {
    return Fail(ErrorCode::kNotFound, "no database at " + config.database_file().string());
  }
  optin::store::DatabaseOptions options;
  options.file = config.database_file();
  options.readers = 1;
  OPTIN_ASSIGN_OR_RETURN(auto db, optin::store::Database::Open(options));
  auto v = db->ReadSync<optin::privacy::AuditVerification>(
      [](optin::store::Connection& c) { return optin::privacy::AuditLog::Verify(c); });
  db->Stop();
  if (!v) return std::unexpected(v.error());
  if (!v->intact) {
    std::printf("audit log BROKEN at entry %lld: %s (%lld entries verified before it)\n",
                static_cast<long long>(v->first_bad_seq), v->problem.c_str(),
                static_cast<long long>(v->entries));
    return 1;
  }
  std::printf("audit log intact: %lld entries, head %s\n", static_cast<long long>(v->entries),
              v->head_hash.c_str());
  return 0;
}

Status KeysShow(Context& ctx) {
  const auto& pub = ctx.keys->SigningPublicKey();
  OPTIN_ASSIGN_OR_RETURN(std::string pem, pub.ToPem());
  std::printf("device signing key (ES256), key id %s:\n%s", pub.KeyId().c_str(), pem.c_str());
  const auto hq = ctx.config.hq_token_key_file();
  OPTIN_ASSIGN_OR_RETURN(bool has_hq, ctx.fs.Exists(hq));
  if (!has_hq) {
    std::printf("HQ token key: not provisioned (%s missing)\n", hq.c_str());
  } else {
    OPTIN_ASSIGN_OR_RETURN(std::string hq_pem, ctx.fs.ReadFile(hq));
    auto key = platform::EcdsaPublicKey::FromPem(hq_pem);
    if (!key) {
      std::printf("HQ token key: %s is not a valid P-256 public key\n", hq.c_str());
    } else {
      std::printf("HQ token key: %s, key id %s\n", hq.c_str(), key->KeyId().c_str());
    }
  }
  return optin::Ok();
}

int Report(const Error& e) {
  std::fprintf(stderr, "optinctl: %s\n", e.message.c_str());
  return e.code == ErrorCode::kInvalidArgument ? 2 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  platform::log::SetMinLevel(platform::log::Level::kWarn);
  auto config = optin::app::ConfigFromArgs(args);
  if (!config) return Report(config.error());
  std::string cmd = args[0];
  std::string sub = args.size() > 1 ? args[1] : "";
  auto rest = [&](size_t n) {
    return std::vector<std::string>(args.begin() + static_cast<long>(std::min(n, args.size())),
                                    args.end());
  };

  if (cmd == "provision") return RunProvisionCommand(*config, rest(1));
  if (cmd == "reload") return RunReloadCommand(*config);
  if (cmd == "staff") return RunStaffCommand(*config, rest(1));
  if (cmd == "kiosk") return RunKioskCommand(*config, rest(1));
  if (cmd == "catalog") return RunCatalogCommand(*config, rest(1));
  if (cmd == "sync") return optinctl::RunSyncCommand(*config, rest(1));
  if (cmd == "audit" && sub == "verify") {
    auto r = AuditVerify(*config);
    if (!r) return Report(r.error());
    return *r;
  }
  Status status;
  if ((cmd == "token" && (sub == "init-dev" || sub == "mint")) || cmd == "presence-code" ||
      (cmd == "keys" && sub == "show")) {
    auto ctx = OpenContext(std::move(*config));
    if (!ctx) return Report(ctx.error());
    if (cmd == "token" && sub == "init-dev") {
      auto r = rest(2);
      status = TokenInitDev(*ctx, TakeSwitch(r, "--force"), stdout);
    } else if (cmd == "token") {
      auto r = rest(2);
      status = TokenMint(*ctx, r);
    } else if (cmd == "presence-code") {
      status = PresenceCodeCmd(*ctx);
    } else {
      status = KeysShow(*ctx);
    }
  } else {
    std::fprintf(stderr, "optinctl: unknown command '%s'\n\n%s", cmd.c_str(), kUsage);
    return 2;
  }
  if (!status) return Report(status.error());
  return 0;
}
