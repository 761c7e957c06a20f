// optinctl: the installer's and store manager's command line for the box. See README.md.
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "app/config.h"
#include "catalog_cmd.h"
#include "command_line.h"
#include "kiosk_cmd.h"
#include "notice_cmd.h"
#include "platform/clock.h"
#include "platform/encoding.h"
#include "platform/file_system.h"
#include "platform/key_store.h"
#include "platform/log.h"
#include "platform/random.h"
#include "privacy/audit_log.h"
#include "privacy/jws.h"
#include "provision_cmd.h"
#include "receipt_cmd.h"
#include "running_daemon.h"
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

constexpr std::string_view kDevHqKey = "dev-hq-token.pem";

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
  std::fprintf(out, "installed its public key as the HQ token key: %s\n%s\n", pub.c_str(),
               optinctl::ReloadAdvice(ctx.config, "the new HQ token key").c_str());
  return optin::Ok();
}

// A whole number in [1, max], or a usage error naming the flag.
Result<int64_t> PositiveNumber(const std::optional<std::string>& text, std::string_view flag,
                               int64_t fallback, int64_t max) {
  if (!text) return fallback;
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (text->empty() || ec != std::errc() || end != text->data() + text->size() || value <= 0 ||
      value > max) {
    return Fail(ErrorCode::kInvalidArgument, std::string(flag) +
                                                 " takes a whole number from 1 to " +
                                                 std::to_string(max) + ", not '" + *text + "'");
  }
  return value;
}

Status TokenMint(Context& ctx, const optinctl::Invocation& inv) {
  const auto sub = inv.Value("--sub");
  if (!sub || sub->empty()) return Fail(ErrorCode::kInvalidArgument, "token mint needs --sub ID");
  OPTIN_ASSIGN_OR_RETURN(const int64_t ttl,
                         PositiveNumber(inv.Value("--ttl"), "--ttl", 600, 10LL * 365 * 86400));
  OPTIN_ASSIGN_OR_RETURN(const int64_t count,
                         PositiveNumber(inv.Value("--count"), "--count", 1, 10'000'000));
  const auto jti = inv.Value("--jti");
  const auto purposes = inv.Value("--purposes");
  const std::string iss = inv.Value("--iss").value_or("dev-hq");
  const std::string aud = inv.Value("--aud").value_or(ctx.config.store.id);
  const bool bench = inv.Has("--bench-requests");

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

Status PresenceCodeCmd(Context& ctx, bool as_json) {
  optin::visits::PresenceCode presence(ctx.keys->DeriveKey("presence"),
                                       platform::SystemClock::Instance());
  const std::string code = presence.Current();
  const long long left = static_cast<long long>(presence.SecondsRemaining());
  if (as_json) {
    boost::json::object out{{"code", code},
                            {"seconds_left", left},
                            {"app_grace_seconds", 30},
                            {"web_code_minutes", ctx.config.visits.web_code_minutes}};
    std::printf("%s\n", boost::json::serialize(out).c_str());
    return optin::Ok();
  }
  // The app accepts the code for one more step after it changes; the shopper page (a scanned
  // QR) for visits.web_code_minutes.
  std::printf(
      "%s\nthe current code for %lld more second%s; the app accepts it 30 seconds "
      "longer, the shopper page %lld minutes\n",
      code.c_str(), left, left == 1 ? "" : "s",
      static_cast<long long>(ctx.config.visits.web_code_minutes));
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

Status KeysShow(Context& ctx, bool as_json) {
  const auto& pub = ctx.keys->SigningPublicKey();
  OPTIN_ASSIGN_OR_RETURN(std::string pem, pub.ToPem());
  const auto hq = ctx.config.hq_token_key_file();
  OPTIN_ASSIGN_OR_RETURN(bool has_hq, ctx.fs.Exists(hq));
  std::optional<platform::EcdsaPublicKey> hq_key;
  if (has_hq) {
    OPTIN_ASSIGN_OR_RETURN(std::string hq_pem, ctx.fs.ReadFile(hq));
    if (auto key = platform::EcdsaPublicKey::FromPem(hq_pem)) hq_key = std::move(*key);
  }
  if (as_json) {
    // The device key as GET /v1/device/keys serves it (a JWK), plus the HQ key's status.
    boost::json::object jwk{{"kty", "EC"},
                            {"crv", "P-256"},
                            {"x", platform::Base64UrlEncode(pub.X())},
                            {"y", platform::Base64UrlEncode(pub.Y())},
                            {"kid", pub.KeyId()},
                            {"alg", "ES256"},
                            {"use", "sig"}};
    boost::json::object hq_json{{"file", hq.string()},
                                {"status", !has_hq  ? "missing"
                                           : hq_key ? "ok"
                                                    : "invalid"}};
    if (hq_key) hq_json["kid"] = hq_key->KeyId();
    boost::json::object out{
        {"device_key",
         boost::json::object{{"kid", pub.KeyId()}, {"jwk", std::move(jwk)}, {"pem", pem}}},
        {"hq_token_key", std::move(hq_json)}};
    std::printf("%s\n", boost::json::serialize(out).c_str());
    return optin::Ok();
  }
  std::printf("device signing key (ES256), key id %s:\n%s", pub.KeyId().c_str(), pem.c_str());
  if (!has_hq) {
    std::printf("HQ token key: not provisioned (%s missing)\n", hq.c_str());
  } else if (!hq_key) {
    std::printf("HQ token key: %s is not a valid P-256 public key\n", hq.c_str());
  } else {
    std::printf("HQ token key: %s, key id %s\n", hq.c_str(), hq_key->KeyId().c_str());
  }
  return optin::Ok();
}

int Report(const Error& e) {
  std::fprintf(stderr, "optinctl: %s\n", e.message.c_str());
  return e.code == ErrorCode::kInvalidArgument ? 2 : 1;
}

// Runs one parsed command; the exit status.
int Run(optin::app::Config config, const optinctl::Invocation& inv) {
  const optinctl::CommandSpec& command = *inv.command;
  const std::string group(command.group);
  const std::string name = command.FullName();

  // Groups whose files read their own words (RunXCommand(config, words)). Delegated groups
  // (CommandSpec::delegated) are dispatched here the same way.
  if (group == "provision") return RunProvisionCommand(config, inv.words);
  if (group == "staff") return RunStaffCommand(config, inv.words);
  if (group == "kiosk") return RunKioskCommand(config, inv.words);
  if (group == "sync") return optinctl::RunSyncCommand(config, inv.words);
  if (group == "catalog") return RunCatalogCommand(config, inv.words);
  if (group == "notice") return RunNoticeCommand(config, inv.words);
  if (name == "reload") return RunReloadCommand(config);
  if (name == "receipt verify") return RunReceiptVerify(config, inv);
  if (name == "audit verify") {
    auto r = AuditVerify(config);
    if (!r) return Report(r.error());
    return *r;
  }

  auto ctx = OpenContext(std::move(config));
  if (!ctx) return Report(ctx.error());
  Status status;
  if (name == "token init-dev") {
    status = TokenInitDev(*ctx, inv.Has("--force"), stdout);
  } else if (name == "token mint") {
    status = TokenMint(*ctx, inv);
  } else if (name == "presence-code") {
    status = PresenceCodeCmd(*ctx, inv.Has("--json"));
  } else if (name == "keys show") {
    status = KeysShow(*ctx, inv.Has("--json"));
  } else {
    std::fprintf(stderr, "optinctl: '%s' has no handler (a bug)\n", name.c_str());
    return 1;
  }
  if (!status) return Report(status.error());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  const optinctl::ParseOutcome parsed = optinctl::ParseCommandLine(args);
  switch (parsed.kind) {
    case optinctl::ParseOutcome::Kind::kHelp:
      std::fputs(parsed.usage.c_str(), stdout);
      return 0;
    case optinctl::ParseOutcome::Kind::kUsageError:
      std::fprintf(stderr, "optinctl: %s\n\n%s", parsed.message.c_str(), parsed.usage.c_str());
      return 2;
    case optinctl::ParseOutcome::Kind::kRun:
      break;
  }
  platform::log::SetMinLevel(platform::log::Level::kWarn);
  std::vector<std::string> global_args = parsed.invocation.global_args;
  auto config = optin::app::ConfigFromArgs(global_args);
  if (!config) return Report(config.error());
  return Run(std::move(*config), parsed.invocation);
}
