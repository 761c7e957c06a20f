// The catalog in force. Readers on any thread take the current catalog as a shared pointer and
// keep using it while a reload replaces it; a load that fails for any reason (missing key, bad
// signature, one invalid offer, unreadable file) leaves the previous catalog in force, so a
// catalog is never half-applied. No catalog file means the empty catalog (no offers).
// Thread-safe: Current() from many threads, Replace/Load* from any (typically the reload path).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>

#include "offers/catalog.h"
#include "platform/crypto.h"
#include "platform/error.h"
#include "platform/file_system.h"

namespace optin::offers {

class CatalogHolder {
 public:
  CatalogHolder();  // holds the empty catalog

  // Never null.
  std::shared_ptr<const Catalog> Current() const;

  // Installs `catalog` (reindexed) as the current one.
  void Replace(Catalog catalog);

  // Reads and validates a catalog file (ParseCatalog) and installs it. A missing file installs
  // the empty catalog. On any error the previous catalog stays in force.
  Status LoadFile(platform::FileSystem& fs, const std::filesystem::path& path,
                  const CatalogRules& rules);

  // Reads, verifies and validates an HQ-signed bundle file (VerifyCatalogBundle) and installs
  // it. A missing file installs the empty catalog. On any error the previous catalog stays.
  // With `min_issued_at` (the newest issued_at applied before), a bundle issued earlier, or
  // without issued_at, is refused ("bundle-rollback") even when unexpired and validly signed.
  Status LoadBundle(platform::FileSystem& fs, const std::filesystem::path& path,
                    const platform::EcdsaPublicKey& hq_key, const CatalogRules& rules, int64_t now,
                    std::string_view store_id = {},
                    std::optional<int64_t> min_issued_at = std::nullopt);

  // The same for a bundle received as text (e.g. from HQ).
  Status ApplyBundle(std::string_view compact_jws, const platform::EcdsaPublicKey& hq_key,
                     const CatalogRules& rules, int64_t now, std::string_view store_id = {},
                     std::optional<int64_t> min_issued_at = std::nullopt);

 private:
  void Install(std::shared_ptr<const Catalog> catalog);

  mutable std::mutex mu_;
  std::shared_ptr<const Catalog> current_;  // GUARDED_BY(mu_)
};

}  // namespace optin::offers
