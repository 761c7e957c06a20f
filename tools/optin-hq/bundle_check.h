// What HQ checks before it publishes a signed bundle for a store or a region (issue 15 part 5):
// the checks a box makes of the same bytes that HQ can make without the store's own settings
// (its offer categories, its languages): ES256 signature against HQ's signing key, the typ of
// the kind, the store id the bundle names (it must be the target store; a notice always names
// one store, so it is published for that store only), not expired, and not older than what is
// published for the target (a box would refuse it as a rollback). Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "platform/crypto.h"
#include "platform/error.h"
#include "tools/optin-hq/bundle_record.h"

namespace optin::hq {

inline constexpr std::string_view kCatalogBundleTyp = "optin-catalog+jws";
inline constexpr std::string_view kNoticeBundleTyp = "optin-notice+jws";

struct PublishRequest {
  std::string kind;         // "catalog" or "notice"
  std::string target_type;  // "store" or "region"
  std::string target;       // the store id or the region
  std::string jws;          // the compact JWS as signed (surrounding whitespace is trimmed)
};

// The record to store (published_at = now), or an error a person can act on: kInvalidArgument
// ("bundle-kind", "bundle-target", "bundle-malformed", "bundle-version", "bundle-too-large"),
// kUnauthenticated ("bundle-algorithm", "bundle-signature", "bundle-type", "bundle-store",
// "bundle-expired") or kConflict ("bundle-rollback": older than `published`;
// "bundle-not-newer": as old as it with other bytes). The same bytes as `published` pass (the
// caller then changes nothing).
Result<BundleRecord> CheckBundleForPublish(const PublishRequest& request,
                                           const platform::EcdsaPublicKey& hq_key, int64_t now,
                                           const std::optional<BundleRecord>& published);

}  // namespace optin::hq
