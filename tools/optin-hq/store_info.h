// One store of the chain as the stores file lists it: id (as in its batches and its client
// certificate), name, region, country (ISO 3166-1 alpha-2), the day it opened and, for a store
// closed for good, the first day it was closed. Immutable value; thread-safe to share.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace optin::hq {

struct StoreInfo {
  std::string id;
  std::string name;
  std::string region;
  std::string country;
  int64_t opened_day = 0;             // UTC day (utc_day.h), the first day open
  std::optional<int64_t> closed_day;  // the first day closed for good; nullopt: still open
  int line = 0;                       // where the stores file defines it (for messages)

  // Whether the store was open on `day` (and so owes HQ that day's batch).
  bool OpenOn(int64_t day) const { return day >= opened_day && (!closed_day || day < *closed_day); }
};

}  // namespace optin::hq
