// The readiness probe's durable write: rewrites the single readiness_probe row (a counter and
// the time), so that the batch holding it commits a real page change with synchronous=FULL.
// Run it as a write job (Database::Write). Stateless; thread-safe.
#pragma once

#include "platform/error.h"
#include "store/connection.h"

namespace optin::store {

Status WriteReadinessProbe(Connection& conn);

}  // namespace optin::store
