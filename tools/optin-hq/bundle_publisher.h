// Publishing a signed bundle for a store or a region (issue 15 part 5): checked as
// bundle_check.h says against what is published for the target, then stored through HqStore
// (the check of "newer" is repeated inside the storing transaction, so two publishers cannot
// both win). The same bytes published again change nothing. Thread-safe (as the HqStore).
#pragma once

#include <cstdint>
#include <optional>

#include "platform/crypto.h"
#include "platform/error.h"
#include "tools/optin-hq/bundle_check.h"
#include "tools/optin-hq/hq_store.h"
#include "tools/optin-hq/store_directory.h"

namespace optin::hq {

struct PublishOutcome {
  BundleRecord record;                   // what is published for the target now
  bool unchanged = false;                // the same bytes were published already
  std::optional<BundleRecord> replaced;  // what was in force for the target before
};

// With `stores`, the target must be a store (or a region) of the stores file ("unknown-store",
// "unknown-region", kNotFound).
Result<PublishOutcome> PublishSignedBundle(HqStore& store, const PublishRequest& request,
                                           const platform::EcdsaPublicKey& hq_key, int64_t now,
                                           const StoreDirectory* stores = nullptr);

}  // namespace optin::hq
