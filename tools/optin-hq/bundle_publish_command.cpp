#include "tools/optin-hq/bundle_publish_command.h"

#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>

#include "platform/clock.h"
#include "platform/crypto.h"
#include "tools/optin-hq/bundle_publisher.h"
#include "tools/optin-hq/hq_store.h"
#include "tools/optin-hq/store_directory.h"

namespace optin::hq {
namespace {

std::optional<std::string> ReadAll(const std::string& path) {
  if (path == "-") {
    return std::string(std::istreambuf_iterator<char>(std::cin), {});
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// HQ's signing key: its public key, or the private key it signs with.
Result<platform::EcdsaPublicKey> ReadHqKey(const std::string& path) {
  auto pem = ReadAll(path);
  if (!pem) return Fail(ErrorCode::kNotFound, "cannot read --hq-key " + path, "hq-key");
  if (auto pub = platform::EcdsaPublicKey::FromPem(*pem)) return std::move(*pub);
  if (auto priv = platform::EcdsaPrivateKey::FromPem(*pem)) return priv->PublicKey();
  return Fail(ErrorCode::kInvalidArgument,
              "--hq-key " + path + " is not a PEM EC key (PUBLIC KEY or EC PRIVATE KEY)", "hq-key");
}

}  // namespace

int RunPublishCommand(std::span<const std::string> args, std::ostream& out, std::ostream& err) {
  std::string db = "sqlite:hq.db", key, kind, stores_file, file;  // serve's default database
  PublishRequest request;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string& into) {
      if (i + 1 >= args.size()) return false;
      into = args[++i];
      return true;
    };
    bool ok = true;
    if (a == "--db") {
      ok = value(db);
    } else if (a == "--hq-key") {
      ok = value(key);
    } else if (a == "--kind") {
      ok = value(kind);
    } else if (a == "--stores") {
      ok = value(stores_file);
    } else if (a == "--store" || a == "--region") {
      if (!request.target_type.empty()) {
        err << "publish: give one of --store and --region\n" << kPublishUsage;
        return 2;
      }
      request.target_type = a == "--store" ? kTargetStore : kTargetRegion;
      ok = value(request.target);
    } else if (a == "--help" || a == "-h") {
      out << kPublishUsage;
      return 0;
    } else if ((a.empty() || a[0] != '-' || a == "-") && file.empty()) {
      file = a;
    } else {
      err << "publish: unexpected argument '" << a << "'\n" << kPublishUsage;
      return 2;
    }
    if (!ok) {
      err << "publish: " << a << " needs a value\n" << kPublishUsage;
      return 2;
    }
  }
  if (db.empty() || key.empty() || kind.empty() || request.target_type.empty() || file.empty()) {
    err << "publish: --hq-key, --kind, --store or --region, and the bundle are needed\n"
        << kPublishUsage;
    return 2;
  }
  request.kind = kind;
  auto hq_key = ReadHqKey(key);
  if (!hq_key) {
    err << "publish: " << hq_key.error().message << "\n";
    return 1;
  }
  auto text = ReadAll(file);
  if (!text) {
    err << "publish: cannot read " << file << "\n";
    return 1;
  }
  request.jws = std::move(*text);
  std::optional<StoreDirectory> stores;
  if (!stores_file.empty()) {
    auto loaded = StoreDirectory::Load(stores_file);
    if (!loaded) {
      err << "publish: " << loaded.error().message << "\n";
      return 1;
    }
    stores = std::move(*loaded);
  }
  auto store = OpenHqStore(db);
  if (!store) {
    err << "publish: " << store.error().message << "\n";
    return 1;
  }
  const int64_t now = platform::SystemClock::Instance().NowUnix();
  auto outcome = PublishSignedBundle(**store, request, *hq_key, now, stores ? &*stores : nullptr);
  if (!outcome) {
    err << "publish: refused (" << outcome.error().reason << "): " << outcome.error().message
        << "\nnothing was published\n";
    return 1;
  }
  const BundleRecord& r = outcome->record;
  if (outcome->unchanged) {
    out << "unchanged: this " << r.kind << " (version " << r.version << ", ETag " << r.etag
        << ") is already published for " << r.target_type << " " << r.target << "\n";
    return 0;
  }
  out << "published " << r.kind << " version " << r.version << " for " << r.target_type << " "
      << r.target << " (ETag " << r.etag << ", expires_at " << r.expires_at << ")";
  if (outcome->replaced) out << ", replacing version " << outcome->replaced->version;
  out << "; boxes fetch it at their next sync\n";
  return 0;
}

int RunPublish(const std::vector<std::string>& args) {
  return RunPublishCommand(args, std::cout, std::cerr);
}

}  // namespace optin::hq
