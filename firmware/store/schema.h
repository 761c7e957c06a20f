// The ordered list of schema migrations. store/ owns the list; each domain module owns the
// queries on its tables. Migrations are append-only: never edit one that has shipped.
#pragma once

#include <span>
#include <string_view>

namespace optin::store {

struct Migration {
  int version;             // 1, 2, 3, ... strictly increasing
  std::string_view name;   // short description, recorded in schema_migrations
  std::string_view sql;    // one or more statements, run in one transaction
};

// The product's migrations, in order.
std::span<const Migration> Schema();

}  // namespace optin::store
