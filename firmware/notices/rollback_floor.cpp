#include "notices/rollback_floor.h"

namespace optin::notices {

Result<std::optional<int64_t>> RollbackFloor::Get(store::Connection& conn, std::string_view kind) {
  OPTIN_ASSIGN_OR_RETURN(auto stmt, conn.Prepare("SELECT value FROM bundle_floors WHERE kind = ?"));
  stmt.BindAll(kind);
  OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<int64_t>();
  return std::optional<int64_t>(stmt.ColumnInt(0));
}

Status RollbackFloor::Raise(store::Connection& conn, std::string_view kind, int64_t value,
                            int64_t now) {
  OPTIN_TRY(
      conn.Execute("INSERT INTO bundle_floors(kind, value, updated_at) VALUES (?, ?, ?) "
                   "ON CONFLICT(kind) DO UPDATE SET value = max(value, excluded.value), "
                   "updated_at = excluded.updated_at",
                   kind, value, now));
  return Ok();
}

}  // namespace optin::notices
