// The shopper's rights over their data: access (everything held, as JSON) and erasure (every
// row gone, a WAL checkpoint so no bytes remain in the database files, and a signed receipt
// that says what kinds of records were deleted and how many, without any identifier).
// Holds references to the registered SubjectRecords; register at start-up, then thread-safe.
#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <string>
#include <vector>

#include "platform/error.h"
#include "privacy/receipt_signer.h"
#include "privacy/subject_records.h"
#include "store/connection.h"

namespace optin::privacy {

struct ErasureSummary {
  int64_t erased_at = 0;
  std::map<std::string, int64_t, std::less<>> deleted;  // kind -> count
};

class DataRights {
 public:
  void Register(const SubjectRecords& records) { records_.push_back(&records); }

  // {"subject": id, "<kind>": [...], ..., "access_log": [...]}.
  Result<boost::json::object> Export(store::Connection& conn, std::string_view subject_id) const;

  // Deletes every record of the subject and the subject itself, clears the subject's link in
  // the audit log and appends an identifier-free "subject.erased" entry. Run it in a write job
  // with WriteOptions::checkpoint_after. Erasing an unknown subject deletes nothing and succeeds.
  Result<ErasureSummary> Erase(store::Connection& conn, std::string_view subject_id,
                               int64_t now) const;

  // The signed erasure receipt handed to the shopper.
  static Result<std::string> SignErasureReceipt(const ReceiptSigner& signer,
                                                std::string_view store_id,
                                                const ErasureSummary& summary);

 private:
  std::vector<const SubjectRecords*> records_;
};

}  // namespace optin::privacy
