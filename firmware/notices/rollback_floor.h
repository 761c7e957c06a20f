// The lowest counter a signed bundle may carry, per kind of bundle, kept in SQLite (table
// bundle_floors) so that it survives restarts: an offer catalog bundle older (by issued_at)
// than the newest one applied is refused even when unexpired and validly signed. Notices need
// no row here: their version in force is the highest one stored (NoticeStore). Static
// functions over a connection; call them inside database jobs.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "platform/error.h"
#include "store/connection.h"

namespace optin::notices {

inline constexpr std::string_view kCatalogIssuedAt = "catalog.issued_at";

class RollbackFloor {
 public:
  // The floor of `kind`, or nothing when no bundle of that kind was applied yet.
  static Result<std::optional<int64_t>> Get(store::Connection& conn, std::string_view kind);
  // Raises the floor of `kind` to `value` (never lowers it).
  static Status Raise(store::Connection& conn, std::string_view kind, int64_t value, int64_t now);
};

}  // namespace optin::notices
