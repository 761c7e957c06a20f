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
  Status LoadBundle(platform::FileSystem& fs, const std::filesystem::path& path,
                    const platform::EcdsaPublicKey& hq_key, const CatalogRules& rules, int64_t now,
                    std::string_view store_id = {});

  // The same for a bundle received as text (e.g. from HQ).
  Status ApplyBundle(std::string_view compact_jws, const platform::EcdsaPublicKey& hq_key,
                     const CatalogRules& rules, int64_t now, std::string_view store_id = {});

 private:
  void Install(std::shared_ptr<const Catalog> catalog);

  mutable std::mutex mu_;
  std::shared_ptr<const Catalog> current_;  // GUARDED_BY(mu_)
};

}  // namespace optin::offers
