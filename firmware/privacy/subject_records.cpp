#include "privacy/subject_records.h"

#include <string>

namespace optin::privacy {

Result<int64_t> CountSubjectRows(store::Connection& conn, std::string_view table,
                                 std::string_view subject_id) {
  OPTIN_ASSIGN_OR_RETURN(auto stmt, conn.Prepare("SELECT count(*) FROM " + std::string(table) +
                                                 " WHERE subject_id = ?"));
  stmt.BindAll(subject_id);
  OPTIN_TRY(stmt.Step());
  return stmt.ColumnInt(0);
}

}  // namespace optin::privacy
