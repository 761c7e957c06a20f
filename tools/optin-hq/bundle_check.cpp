#include "tools/optin-hq/bundle_check.h"

#include <boost/json/object.hpp>

#include "privacy/jws.h"

namespace optin::hq {
namespace json = boost::json;

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() &&
         (s.front() == ' ' || s.front() == '\n' || s.front() == '\r' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

std::optional<int64_t> IntMember(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64() && v->as_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
    return static_cast<int64_t>(v->as_uint64());
  }
  return std::nullopt;
}

Error Refused(ErrorCode code, std::string message, std::string_view reason,
              std::string_view field = "file") {
  return Error{code, std::move(message), std::string(field), std::string(reason)};
}

}  // namespace

Result<BundleRecord> CheckBundleForPublish(const PublishRequest& request,
                                           const platform::EcdsaPublicKey& hq_key, int64_t now,
                                           const std::optional<BundleRecord>& published) {
  const bool catalog = request.kind == kBundleKindCatalog;
  if (!catalog && request.kind != kBundleKindNotice) {
    return std::unexpected(Refused(ErrorCode::kInvalidArgument,
                                   "--kind must be catalog or notice, not '" + request.kind + "'",
                                   "bundle-kind", "kind"));
  }
  const bool for_store = request.target_type == kTargetStore;
  if ((!for_store && request.target_type != kTargetRegion) || request.target.empty()) {
    return std::unexpected(Refused(ErrorCode::kInvalidArgument,
                                   "name the bundle's target: --store ID or --region NAME",
                                   "bundle-target", "target"));
  }
  const std::string_view jws = Trim(request.jws);
  if (jws.size() > kMaxPublishedBundleBytes) {
    return std::unexpected(Refused(
        ErrorCode::kInvalidArgument,
        "the bundle is larger than " + std::to_string(kMaxPublishedBundleBytes >> 20) + " MiB",
        "bundle-too-large"));
  }
  auto verified = privacy::VerifyJws(hq_key, jws, kMaxPublishedBundleBytes);
  if (!verified) {
    const std::string& r = verified.error().reason;
    if (r == "token-signature") {
      return std::unexpected(Refused(ErrorCode::kUnauthenticated,
                                     "the signature does not verify with HQ's signing key (signed "
                                     "with another key, or changed after signing)",
                                     "bundle-signature"));
    }
    if (r == "token-algorithm") {
      return std::unexpected(Refused(ErrorCode::kUnauthenticated,
                                     "the bundle is not signed with ES256", "bundle-algorithm"));
    }
    return std::unexpected(Refused(
        ErrorCode::kInvalidArgument,
        "not a signed bundle (a compact JWS): " + verified.error().message, "bundle-malformed"));
  }
  const std::string_view want_typ = catalog ? kCatalogBundleTyp : kNoticeBundleTyp;
  const json::value* typ = verified->header.if_contains("typ");
  if (typ == nullptr || !typ->is_string() || typ->as_string() != want_typ) {
    return std::unexpected(Refused(
        ErrorCode::kUnauthenticated,
        "a " + request.kind + " bundle has typ " + std::string(want_typ) + ", this one has " +
            (typ && typ->is_string() ? std::string(typ->as_string()) : std::string("none")) +
            " (optinctl " + request.kind + " sign makes one)",
        "bundle-type"));
  }
  const json::object& payload = verified->payload;
  const json::value* store = payload.if_contains("store_id");
  if (store != nullptr && !store->is_string()) {
    return std::unexpected(
        Refused(ErrorCode::kInvalidArgument, "store_id must be a string", "bundle-malformed"));
  }
  if (!catalog && store == nullptr) {
    return std::unexpected(Refused(ErrorCode::kUnauthenticated,
                                   "a notice bundle must name its store (store_id); the box "
                                   "refuses one without",
                                   "bundle-store"));
  }
  if (store != nullptr) {
    const std::string named(store->as_string());
    if (!for_store) {
      return std::unexpected(Refused(ErrorCode::kUnauthenticated,
                                     "the bundle is for store " + named +
                                         " only: every other store of region " + request.target +
                                         " would refuse it; publish it with --store " + named +
                                         (catalog ? " or sign it for any store" : ""),
                                     "bundle-store"));
    }
    if (named != request.target) {
      return std::unexpected(Refused(ErrorCode::kUnauthenticated,
                                     "the bundle is signed for store " + named + ", not for " +
                                         request.target + ": that box would refuse it",
                                     "bundle-store"));
    }
  }
  const auto expires = IntMember(payload, "expires_at");
  if (!expires) {
    return std::unexpected(Refused(ErrorCode::kInvalidArgument,
                                   "expires_at (Unix seconds) is missing", "bundle-malformed"));
  }
  if (*expires <= now) {
    return std::unexpected(Refused(ErrorCode::kUnauthenticated,
                                   "the bundle expired at " + std::to_string(*expires) + " (now " +
                                       std::to_string(now) + "); sign it again",
                                   "bundle-expired"));
  }
  BundleRecord out;
  out.kind = request.kind;
  out.target_type = request.target_type;
  out.target = request.target;
  out.jws = std::string(jws);
  out.etag = BundleEtag(jws);
  out.expires_at = *expires;
  out.issued_at = IntMember(payload, "issued_at").value_or(0);
  out.published_at = now;
  const json::value* version = payload.if_contains("version");
  if (catalog) {
    if (version == nullptr || !version->is_string() || version->as_string().empty()) {
      return std::unexpected(Refused(ErrorCode::kInvalidArgument,
                                     "a catalog needs a version (a string)", "bundle-version"));
    }
    // A box that applied a bundle refuses any without issued_at, or issued before it.
    if (out.issued_at <= 0) {
      return std::unexpected(Refused(ErrorCode::kInvalidArgument,
                                     "a published catalog needs issued_at (Unix seconds): boxes "
                                     "order bundles by it",
                                     "bundle-version"));
    }
    out.version = std::string(version->as_string());
    out.sequence = out.issued_at;
  } else {
    const auto v = IntMember(payload, "version");
    if (!v || *v <= 0) {
      return std::unexpected(Refused(ErrorCode::kInvalidArgument,
                                     "a notice needs a version (a positive integer)",
                                     "bundle-version"));
    }
    out.version = std::to_string(*v);
    out.sequence = *v;
  }
  if (published && published->etag != out.etag) {
    const std::string what = catalog ? "issued_at " : "version ";
    if (out.sequence < published->sequence) {
      return std::unexpected(Refused(
          ErrorCode::kConflict,
          "older than what is published for " + request.target_type + " " + request.target + " (" +
              what + std::to_string(out.sequence) + " < " + std::to_string(published->sequence) +
              "): boxes would refuse it as a rollback",
          "bundle-rollback"));
    }
    if (out.sequence == published->sequence) {
      return std::unexpected(Refused(
          ErrorCode::kConflict,
          "as old as what is published for " + request.target_type + " " + request.target + " (" +
              what + std::to_string(out.sequence) + ") but different: give it a newer " + what,
          "bundle-not-newer"));
    }
  }
  return out;
}

}  // namespace optin::hq
