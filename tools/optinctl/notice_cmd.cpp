#include "notice_cmd.h"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <cstdio>
#include <optional>
#include <string>

#include "cli_args.h"
#include "consent/purpose.h"
#include "notices/notice.h"
#include "notices/notice_store.h"
#include "platform/clock.h"
#include "platform/crypto.h"
#include "platform/file_system.h"
#include "platform/random.h"
#include "privacy/jws.h"
#include "store/connection.h"

namespace {

using optin::ErrorCode;
using optin::Fail;
using optin::Result;
using optin::Status;
namespace notices = optin::notices;
namespace platform = optin::platform;

constexpr const char* kNoticeUsage = R"(usage:
  optinctl notice check FILE|BUNDLE
        validate a notices file or an HQ bundle (verified with the HQ public key) against the
        store's languages, the box's purposes and the version in force; prints "ok: version N"
        with each language's SHA-256, or the JSON pointer at fault
  optinctl notice sign --in notices.json [--ttl-days N] [--out FILE]
        sign a notices file as an HQ bundle for the configured store with the development HQ
        key (optinctl token init-dev); it expires after N days (default 30)
)";

using optinctl::TakeFlag;

notices::NoticeRules Rules(const optin::app::Config& config) {
  notices::NoticeRules rules{config.store.languages, {}, 0};
  for (auto p : optin::consent::kAllPurposes) {
    rules.purposes.emplace_back(optin::consent::ToString(p));
  }
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

// The notice in force on this box, read-only; nothing when there is no database yet (or it
// predates notices).
std::optional<notices::NoticeInForce> InForce(const optin::app::Config& config) {
  auto& fs = platform::FileSystem::Default();
  auto exists = fs.Exists(config.database_file());
  if (!exists || !*exists) return std::nullopt;
  auto conn =
      optin::store::Connection::Open(config.database_file(), optin::store::OpenMode::kReadOnly);
  if (!conn) return std::nullopt;
  auto in_force = notices::NoticeStore::LoadInForce(**conn);
  if (!in_force) return std::nullopt;
  return *in_force;
}

Status Sign(const optin::app::Config& config, std::vector<std::string>& args) {
  auto& fs = platform::FileSystem::Default();
  OPTIN_ASSIGN_OR_RETURN(auto in, TakeFlag(args, "--in"));
  OPTIN_ASSIGN_OR_RETURN(auto ttl_text, TakeFlag(args, "--ttl-days"));
  OPTIN_ASSIGN_OR_RETURN(auto out, TakeFlag(args, "--out"));
  if (!in) return Fail(ErrorCode::kInvalidArgument, "notice sign needs --in notices.json");
  if (!args.empty()) {
    return Fail(ErrorCode::kInvalidArgument, "unknown argument '" + args.front() + "'");
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
  auto checked = notices::ParseNotice(text, Rules(config));
  if (!checked) {
    return Fail(ErrorCode::kFailedPrecondition,
                *in + " is not a valid notice, nothing signed: " + Describe(checked.error()));
  }
  boost::json::object payload = boost::json::parse(text).as_object();
  const int64_t now = platform::SystemClock::Instance().NowUnix();
  payload["issued_at"] = now;
  payload["expires_at"] = now + ttl_days * 86400;
  payload["store_id"] = config.store.id;
  const auto key_file = config.data_dir / "keys" / "dev-hq-token.pem";
  OPTIN_ASSIGN_OR_RETURN(bool have_key, fs.Exists(key_file));
  if (!have_key) {
    return Fail(ErrorCode::kFailedPrecondition,
                "no development HQ key at " + key_file.string() +
                    ": create it with `optinctl token init-dev` (development only)");
  }
  OPTIN_ASSIGN_OR_RETURN(std::string pem, fs.ReadFile(key_file));
  OPTIN_ASSIGN_OR_RETURN(auto key, platform::EcdsaPrivateKey::FromPem(pem));
  OPTIN_ASSIGN_OR_RETURN(auto random, platform::CtrDrbg::Create("optinctl notice"));
  OPTIN_ASSIGN_OR_RETURN(std::string jws,
                         optin::privacy::SignJws(key, *random, key.PublicKey().KeyId(),
                                                 notices::kNoticeBundleType, payload));
  jws += '\n';
  if (out) {
    OPTIN_TRY(fs.WriteFileAtomic(*out, jws, 0644));
    std::fprintf(stderr,
                 "signed notice version %lld (%zu languages) into %s, valid for %lld days\n",
                 static_cast<long long>(checked->version), checked->texts.size(), out->c_str(),
                 static_cast<long long>(ttl_days));
  } else {
    std::fwrite(jws.data(), 1, jws.size(), stdout);
  }
  return optin::Ok();
}

// 0 when the notice would be admitted, 1 when it is refused.
Result<int> Check(const optin::app::Config& config, std::vector<std::string>& args) {
  if (args.size() != 1) return Fail(ErrorCode::kInvalidArgument, "notice check takes one FILE");
  auto& fs = platform::FileSystem::Default();
  OPTIN_ASSIGN_OR_RETURN(std::string text, fs.ReadFile(args.front()));
  notices::NoticeRules rules = Rules(config);
  const auto in_force = InForce(config);
  if (in_force) rules.version_in_force = in_force->notice->version;
  Result<notices::Notice> notice = std::unexpected(optin::Error{});
  if (LooksLikeBundle(text)) {
    const auto key_file = config.hq_token_key_file();
    auto pem = fs.ReadFile(key_file);
    if (!pem) {
      return Fail(ErrorCode::kFailedPrecondition,
                  "cannot check a bundle without the HQ public key (" + key_file.string() +
                      "): " + pem.error().message);
    }
    OPTIN_ASSIGN_OR_RETURN(auto key, platform::EcdsaPublicKey::FromPem(*pem));
    notice = notices::VerifyNoticeBundle(
        text, key, rules, platform::SystemClock::Instance().NowUnix(), config.store.id);
  } else {
    notice = notices::ParseNotice(text, rules);
  }
  if (!notice) {
    std::printf("refused: %s\n", Describe(notice.error()).c_str());
    return 1;
  }
  std::string note;
  if (in_force && notice->version == in_force->notice->version) {
    if (!notice->SameTextsAs(*in_force->notice)) {
      std::printf(
          "refused: /version: version %lld is already in force with other texts; a "
          "changed notice needs a higher version [version-not-newer]\n",
          static_cast<long long>(notice->version));
      return 1;
    }
    note = ", already in force";
  } else if (in_force) {
    note = ", newer than version " + std::to_string(in_force->notice->version) + " in force";
  }
  std::printf("ok: version %lld (%s%s%s)\n", static_cast<long long>(notice->version),
              notice->source.c_str(), notice->material ? ", material: consent is asked again" : "",
              note.c_str());
  for (const auto& [lang, t] : notice->texts) {
    std::printf("  %-6s sha256 %s\n", lang.c_str(), t.sha256.c_str());
  }
  return 0;
}

}  // namespace

int RunNoticeCommand(const optin::app::Config& config, std::vector<std::string> args) {
  return optinctl::RunSignOrCheck("notice", kNoticeUsage, config, std::move(args), &Sign, &Check);
}
