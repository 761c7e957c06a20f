// A signed bundle as HQ keeps it (issue 15 part 5): an offer catalog or a privacy notice,
// published for one store or for a region, as the exact compact JWS bytes the boxes fetch, with
// what orders it (a catalog's issued_at, a notice's version) and its strong ETag. Also what a
// store reported in force in its batches, for the dashboard. Value types; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace optin::hq {

inline constexpr std::string_view kBundleKindCatalog = "catalog";
inline constexpr std::string_view kBundleKindNotice = "notice";
inline constexpr std::string_view kTargetStore = "store";
inline constexpr std::string_view kTargetRegion = "region";

// The largest bundle HQ accepts for publishing (the boxes' own bounds are 1 MiB).
inline constexpr size_t kMaxPublishedBundleBytes = 1024 * 1024;

struct BundleRecord {
  std::string kind;         // "catalog" or "notice"
  std::string target_type;  // "store" or "region"
  std::string target;       // the store id or the region name
  std::string version;      // as the bundle names it ("2026-11-23.1", "3")
  // What orders publications of one target: a catalog's issued_at, a notice's version. A box
  // refuses anything below what it has in force, so HQ never publishes below it either.
  int64_t sequence = 0;
  int64_t issued_at = 0;  // 0 when the bundle does not say
  int64_t expires_at = 0;
  std::string etag;  // strong ETag: "\"" + hex SHA-256 of jws + "\""
  std::string jws;   // the compact JWS, byte for byte as published
  int64_t published_at = 0;
};

// The version of one kind a store had in force when it released a batch (batch field
// "bundles").
struct BundleInForce {
  std::string store_id;
  std::string kind;
  std::string version;
  std::string etag;         // empty when the box runs a file of its own, not an HQ bundle
  int64_t reported_at = 0;  // the batch's created_at (box clock)
};

// The strong ETag of a bundle's bytes, as HQ sends it and the box computes it from the file it
// applied: the hex SHA-256 in double quotes.
std::string BundleEtag(std::string_view jws);

}  // namespace optin::hq
