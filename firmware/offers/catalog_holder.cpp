#include "offers/catalog_holder.h"

#include <utility>

namespace optin::offers {

CatalogHolder::CatalogHolder() : current_(std::make_shared<const Catalog>()) {}

std::shared_ptr<const Catalog> CatalogHolder::Current() const {
  std::lock_guard lock(mu_);
  return current_;
}

void CatalogHolder::Install(std::shared_ptr<const Catalog> catalog) {
  std::shared_ptr<const Catalog> old;
  {
    std::lock_guard lock(mu_);
    old = std::exchange(current_, std::move(catalog));
  }
  // `old` is released here, outside the lock (it may be the last reference to a big catalog).
}

void CatalogHolder::Replace(Catalog catalog) {
  catalog.Reindex();
  Install(std::make_shared<const Catalog>(std::move(catalog)));
}

Status CatalogHolder::LoadFile(platform::FileSystem& fs, const std::filesystem::path& path,
                               const CatalogRules& rules) {
  OPTIN_ASSIGN_OR_RETURN(bool exists, fs.Exists(path));
  if (!exists) {
    Install(std::make_shared<const Catalog>());
    return Ok();
  }
  OPTIN_ASSIGN_OR_RETURN(std::string text, fs.ReadFile(path));
  OPTIN_ASSIGN_OR_RETURN(Catalog catalog, ParseCatalog(text, rules));
  Install(std::make_shared<const Catalog>(std::move(catalog)));
  return Ok();
}

Status CatalogHolder::LoadBundle(platform::FileSystem& fs, const std::filesystem::path& path,
                                 const platform::EcdsaPublicKey& hq_key, const CatalogRules& rules,
                                 int64_t now, std::string_view store_id,
                                 std::optional<int64_t> min_issued_at) {
  OPTIN_ASSIGN_OR_RETURN(bool exists, fs.Exists(path));
  if (!exists) {
    Install(std::make_shared<const Catalog>());
    return Ok();
  }
  OPTIN_ASSIGN_OR_RETURN(std::string text, fs.ReadFile(path));
  return ApplyBundle(text, hq_key, rules, now, store_id, min_issued_at);
}

Status CatalogHolder::ApplyBundle(std::string_view compact_jws,
                                  const platform::EcdsaPublicKey& hq_key, const CatalogRules& rules,
                                  int64_t now, std::string_view store_id,
                                  std::optional<int64_t> min_issued_at) {
  OPTIN_ASSIGN_OR_RETURN(Catalog catalog,
                         VerifyCatalogBundle(compact_jws, hq_key, rules, now, store_id));
  if (min_issued_at && (!catalog.issued_at || *catalog.issued_at < *min_issued_at)) {
    return Fail(ErrorCode::kUnauthenticated,
                "/issued_at: the catalog bundle is older than the one applied before (issued_at " +
                    (catalog.issued_at ? std::to_string(*catalog.issued_at) : "missing") +
                    ", newest applied " + std::to_string(*min_issued_at) +
                    "); an older catalog is never applied again, even when signed. The current "
                    "catalog stays in force.",
                "/issued_at", "bundle-rollback");
  }
  Install(std::make_shared<const Catalog>(std::move(catalog)));
  return Ok();
}

}  // namespace optin::offers
