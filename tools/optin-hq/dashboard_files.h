// The dashboard's files (tools/optin-hq/dashboard/), compiled into optin-hq by
// cmake/embed_files.cmake: a constant table, ended by a null entry. Thread-safe (read-only).
#pragma once

#include <cstddef>

namespace optin::hq::dashboard {

struct File {
  const char* path;  // relative to dashboard/, '/'-separated
  const unsigned char* bytes;
  std::size_t size;
};
extern const File kFiles[];
extern const std::size_t kFileCount;

}  // namespace optin::hq::dashboard
