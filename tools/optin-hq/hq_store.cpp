#include "tools/optin-hq/hq_store.h"

#include "tools/optin-hq/postgres_hq_store.h"
#include "tools/optin-hq/sqlite_hq_store.h"

namespace optin::hq {

Result<std::unique_ptr<HqStore>> OpenHqStore(std::string_view db_url) {
  if (db_url.starts_with("sqlite:")) {
    const std::string_view path = db_url.substr(7);
    if (path.empty()) {
      return Fail(ErrorCode::kInvalidArgument, "--db sqlite:PATH needs a file path", "db",
                  "invalid-db");
    }
    OPTIN_ASSIGN_OR_RETURN(auto s, SqliteHqStore::Open(std::filesystem::path(path)));
    return std::unique_ptr<HqStore>(std::move(s));
  }
  if (db_url.starts_with("postgresql://") || db_url.starts_with("postgres://")) {
    OPTIN_ASSIGN_OR_RETURN(auto s, PostgresHqStore::Open(std::string(db_url)));
    return std::unique_ptr<HqStore>(std::move(s));
  }
  return Fail(ErrorCode::kInvalidArgument,
              "--db must be sqlite:PATH or postgresql://USER@HOST:PORT/DATABASE", "db",
              "invalid-db");
}

}  // namespace optin::hq
