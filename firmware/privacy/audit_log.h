// The hash-chained audit log of consent changes, erasures and staff access. Each entry's hash
// covers its sequence number, time, kind, detail and the previous entry's hash, so removing or
// editing any entry breaks the chain (`optinctl audit verify`). Details never hold an
// identifier; the subject link lives outside the chain and is cleared by erasure.
// Stateless functions over a Connection (call Append inside a write job); thread-compatible.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "platform/error.h"
#include "store/connection.h"

namespace optin::privacy {

struct AuditEntry {
  int64_t seq = 0;
  int64_t at = 0;
  std::string kind;    // e.g. "consent.changed", "subject.erased", "staff.viewed"
  std::string detail;  // JSON object text, without identifiers
  std::string prev_hash;
  std::string hash;
};

struct AuditVerification {
  int64_t entries = 0;
  bool intact = true;
  int64_t first_bad_seq = 0;  // when !intact
  std::string problem;        // when !intact: what is wrong, in words
  std::string head_hash;      // hex of the last entry's hash (all zeros when empty)
};

class AuditLog {
 public:
  // Appends one entry. `subject_id` links it to a subject for the shopper's own access log.
  static Status Append(store::Connection& conn, int64_t at, std::string_view kind,
                       const boost::json::object& detail,
                       std::optional<std::string_view> subject_id = std::nullopt);

  // Recomputes the whole chain.
  static Result<AuditVerification> Verify(store::Connection& conn);

  // Entries linked to a subject, oldest first.
  static Result<std::vector<AuditEntry>> ForSubject(store::Connection& conn,
                                                    std::string_view subject_id);

  // The hash of an entry given its fields (exposed for tests and tools).
  static std::string EntryHash(std::string_view prev_hash, int64_t seq, int64_t at,
                               std::string_view kind, std::string_view detail);
};

}  // namespace optin::privacy
