// What a store reports in force in its batches (batch format 2, member "bundles": {"catalog":
// {"version", "etag"}, "notice": {...}}, added by issue 15 part 5; older boxes send none), read
// from a batch HQ has checked, for HqStore::RecordBundlesInForce and the dashboard. Tolerant:
// an entry that is not of that shape, of another kind, or too long is left out (the figures
// matter more). Pure functions; thread-safe.
#pragma once

#include <vector>

#include "tools/optin-hq/batch_record.h"
#include "tools/optin-hq/bundle_record.h"

namespace optin::hq {

// From the batch's signed form (its signature checked before); reported_at is the batch's
// created_at.
std::vector<BundleInForce> BundlesReportedIn(const BatchRecord& batch);

}  // namespace optin::hq
