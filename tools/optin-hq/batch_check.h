// Checks one uploaded batch (a compact JWS) before anything is stored: the ES256 signature
// against the presenting client certificate's key, the format version (optin-hq-batch/1 or /2;
// any other is refused by name), the store (its id must be the certificate's CN, and listed in
// the stores file when there is one), the batch id (the one the store and period give) and the
// payload's shape; then turns it into the BatchRecord HqStore stores (each cell on the UTC day of
// the first period the batch covers; the epsilon it states, epsilon_spent.h). Pure functions;
// thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "platform/crypto.h"
#include "tools/optin-hq/batch_record.h"
#include "tools/optin-hq/peer_certificates.h"
#include "tools/optin-hq/store_directory.h"

namespace optin::hq {

// One batch's verdict, as answered to the store (and logged).
struct BatchVerdict {
  std::string batch_id;
  std::string status;  // "ok" (checked, not yet stored), "stored", "duplicate", "rejected"
  std::string reason;  // when rejected: "bad-signature", "unknown-store", "store-mismatch",
                       // "unsupported-version", "malformed", "batch-id-mismatch", ...
  std::string detail;  // a sentence for a person
  std::string schema;  // the batch's schema as it claims it ("optin-hq-batch/2"), if any
  int64_t period_start = -1;
  int64_t period_end = -1;
};

// The batch schemas this HQ accepts.
inline constexpr std::string_view kAcceptedSchemas[] = {"optin-hq-batch/1", "optin-hq-batch/2"};

// Checks `jws` from `peer`. `stores`: the stores file in force, or null to accept any store whose
// certificate names it. On "ok", `record` holds what to store (received_at = `now`).
BatchVerdict CheckBatch(std::string_view jws, const PeerStore& peer, const StoreDirectory* stores,
                        int64_t now, BatchRecord* record);

}  // namespace optin::hq
