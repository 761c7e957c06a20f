#include "store/readiness_probe.h"

namespace optin::store {

Status WriteReadinessProbe(Connection& conn) {
  OPTIN_ASSIGN_OR_RETURN(
      int64_t changed,
      conn.Execute("INSERT INTO readiness_probe(id, probes, probed_at) VALUES (1, 1, unixepoch()) "
                   "ON CONFLICT(id) DO UPDATE SET probes = probes + 1, probed_at = unixepoch()"));
  if (changed != 1) return Fail(ErrorCode::kInternal, "the readiness probe row was not written");
  return Ok();
}

}  // namespace optin::store
