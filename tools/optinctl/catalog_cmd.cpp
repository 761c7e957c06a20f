#include "catalog_cmd.h"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <cstdio>
#include <optional>
#include <string>

#include "cli_args.h"
#include "offers/catalog.h"
#include "platform/clock.h"
#include "platform/crypto.h"
#include "platform/file_system.h"
#include "platform/random.h"
#include "privacy/jws.h"

namespace {

using optin::ErrorCode;
using optin::Fail;
using optin::Result;
using optin::Status;
namespace offers = optin::offers;
namespace platform = optin::platform;

constexpr const char* kCatalogUsage = R"(usage:
  optinctl catalog sign --in catalog.json [--ttl-days N] [--store-id ID | --any-store] [--out FILE]
        sign a catalog file as an HQ bundle with the development HQ key (optinctl token
        init-dev); the bundle goes to stdout or FILE. It expires after N days (default 30)
        and is for the configured store unless --any-store.
  optinctl catalog check FILE
        validate a catalog file or an HQ bundle (verified with the HQ public key) against the
        store's interests; prints "ok: N offers" or what is wrong
)";

using optinctl::TakeFlag;
using optinctl::TakeSwitch;

// Where `optinctl token init-dev` keeps the development HQ private key.
std::filesystem::path DevHqKeyFile(const optin::app::Config& config) {
  return config.data_dir / "keys" / "dev-hq-token.pem";
}

offers::CatalogRules Rules(const optin::app::Config& config) {
  offers::CatalogRules rules;
  rules.categories = config.store.interests;
  rules.languages = config.store.languages;  // per-language texts must cover each of them
  return rules;
}

bool LooksLikeBundle(std::string_view text) {
  size_t start = text.find_first_not_of(" \t\r\n");
  return start != std::string_view::npos && text[start] != '{' && text[start] != '[';
}

std::string Describe(const optin::Error& e) {
  std::string out = e.message;
  if (!e.reason.empty()) out += " [" + e.reason + "]";
  return out;
}

Status Sign(const optin::app::Config& config, std::vector<std::string>& args) {
  auto& fs = platform::FileSystem::Default();
  OPTIN_ASSIGN_OR_RETURN(auto in, TakeFlag(args, "--in"));
  OPTIN_ASSIGN_OR_RETURN(auto ttl_text, TakeFlag(args, "--ttl-days"));
  OPTIN_ASSIGN_OR_RETURN(auto store_text, TakeFlag(args, "--store-id"));
  OPTIN_ASSIGN_OR_RETURN(auto out, TakeFlag(args, "--out"));
  const bool any_store = TakeSwitch(args, "--any-store");
  if (!in) return Fail(ErrorCode::kInvalidArgument, "catalog sign needs --in catalog.json");
  if (!args.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "unknown argument '" + args.front() + "'");
  }
  if (any_store && store_text) {
    return Fail(ErrorCode::kInvalidArgument, "--store-id and --any-store exclude each other");
  }
  int64_t ttl_days = 30;
  if (ttl_text) {
    try {
      size_t used = 0;
      ttl_days = std::stoll(*ttl_text, &used);
      if (used != ttl_text->size()) throw std::invalid_argument("trailing");
    } catch (const std::exception&) {
      return Fail(ErrorCode::kInvalidArgument, "--ttl-days takes a whole number of days");
    }
    if (ttl_days <= 0 || ttl_days > 3650) {
      return Fail(ErrorCode::kInvalidArgument, "--ttl-days must be between 1 and 3650");
    }
  }

  OPTIN_ASSIGN_OR_RETURN(std::string text, fs.ReadFile(*in));
  // Sign only what the box would accept.
  auto checked = offers::ParseCatalog(text, Rules(config));
  if (!checked) {
    return Fail(ErrorCode::kFailedPrecondition,
                in->c_str() + std::string(" is not a valid catalog, nothing signed: ") +
                    Describe(checked.error()));
  }
  boost::json::object payload = boost::json::parse(text).as_object();
  const int64_t now = platform::SystemClock::Instance().NowUnix();
  payload["issued_at"] = now;
  payload["expires_at"] = now + ttl_days * 86400;
  if (!any_store) payload["store_id"] = store_text.value_or(config.store.id);

  const auto key_file = DevHqKeyFile(config);
  OPTIN_ASSIGN_OR_RETURN(bool have_key, fs.Exists(key_file));
  if (!have_key) {
    return Fail(ErrorCode::kFailedPrecondition,
                "no development HQ key at " + key_file.string() +
                    ": create it with `optinctl token init-dev` (development only)");
  }
  OPTIN_ASSIGN_OR_RETURN(std::string pem, fs.ReadFile(key_file));
  OPTIN_ASSIGN_OR_RETURN(auto key, platform::EcdsaPrivateKey::FromPem(pem));
  OPTIN_ASSIGN_OR_RETURN(auto random, platform::CtrDrbg::Create("optinctl catalog"));
  OPTIN_ASSIGN_OR_RETURN(std::string jws,
                         optin::privacy::SignJws(key, *random, key.PublicKey().KeyId(),
                                                 offers::kCatalogBundleType, payload));
  jws += '\n';
  if (out) {
    OPTIN_TRY(fs.WriteFileAtomic(*out, jws, 0644));
    std::fprintf(stderr, "signed %zu offers (version %s) into %s, valid for %lld days\n",
                 checked->offers.size(), checked->version.c_str(), out->c_str(),
                 static_cast<long long>(ttl_days));
  } else {
    std::fwrite(jws.data(), 1, jws.size(), stdout);
  }
  return optin::Ok();
}

// 0 when the catalog would be accepted, 1 when it is refused.
Result<int> Check(const optin::app::Config& config, std::vector<std::string>& args) {
  if (args.size() != 1) {
    return Fail(ErrorCode::kInvalidArgument, "catalog check takes one FILE");
  }
  auto& fs = platform::FileSystem::Default();
  OPTIN_ASSIGN_OR_RETURN(std::string text, fs.ReadFile(args.front()));
  Result<offers::Catalog> catalog = offers::Catalog{};
  if (LooksLikeBundle(text)) {
    const auto key_file = config.hq_token_key_file();
    auto pem = fs.ReadFile(key_file);
    if (!pem) {
      return Fail(ErrorCode::kFailedPrecondition,
                  "cannot check a bundle without the HQ public key (" + key_file.string() +
                      "): " + pem.error().message);
    }
    OPTIN_ASSIGN_OR_RETURN(auto key, platform::EcdsaPublicKey::FromPem(*pem));
    catalog = offers::VerifyCatalogBundle(
        text, key, Rules(config), platform::SystemClock::Instance().NowUnix(), config.store.id);
  } else {
    catalog = offers::ParseCatalog(text, Rules(config));
  }
  if (!catalog) {
    std::printf("refused: %s\n", Describe(catalog.error()).c_str());
    return 1;
  }
  std::printf("ok: %zu offers (version %s, %s)\n", catalog->offers.size(), catalog->version.c_str(),
              catalog->source.c_str());
  return 0;
}

}  // namespace

int RunCatalogCommand(const optin::app::Config& config, std::vector<std::string> args) {
  return optinctl::RunSignOrCheck("catalog", kCatalogUsage, config, std::move(args), &Sign, &Check);
}
