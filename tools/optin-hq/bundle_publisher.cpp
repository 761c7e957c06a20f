#include "tools/optin-hq/bundle_publisher.h"

#include <algorithm>

namespace optin::hq {

Result<PublishOutcome> PublishSignedBundle(HqStore& store, const PublishRequest& request,
                                           const platform::EcdsaPublicKey& hq_key, int64_t now,
                                           const StoreDirectory* stores) {
  if (stores != nullptr && request.target_type == kTargetStore &&
      stores->Find(request.target) == nullptr) {
    return Fail(ErrorCode::kNotFound, "store " + request.target + " is not in the stores file",
                "store", "unknown-store");
  }
  if (stores != nullptr && request.target_type == kTargetRegion) {
    const auto regions = stores->Regions();
    if (std::find(regions.begin(), regions.end(), request.target) == regions.end()) {
      return Fail(ErrorCode::kNotFound,
                  "no store of the stores file is in region " + request.target, "region",
                  "unknown-region");
    }
  }
  PublishOutcome out;
  if (request.kind == kBundleKindCatalog || request.kind == kBundleKindNotice) {
    OPTIN_ASSIGN_OR_RETURN(out.replaced,
                           store.LatestBundle(request.kind, request.target_type, request.target));
  }
  OPTIN_ASSIGN_OR_RETURN(out.record, CheckBundleForPublish(request, hq_key, now, out.replaced));
  if (out.replaced && out.replaced->etag == out.record.etag) {
    out.unchanged = true;
    out.record = *out.replaced;
    return out;
  }
  OPTIN_TRY(store.PublishBundle(out.record));
  return out;
}

}  // namespace optin::hq
