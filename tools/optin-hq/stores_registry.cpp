#include "tools/optin-hq/stores_registry.h"

namespace optin::hq {

Status StoresRegistry::Load() {
  if (!file_) return Ok();
  OPTIN_ASSIGN_OR_RETURN(StoreDirectory loaded, StoreDirectory::Load(*file_));
  auto next = std::make_shared<const StoreDirectory>(std::move(loaded));
  std::lock_guard lock(mu_);
  current_ = std::move(next);
  return Ok();
}

std::shared_ptr<const StoreDirectory> StoresRegistry::current() const {
  std::lock_guard lock(mu_);
  return current_;
}

}  // namespace optin::hq
