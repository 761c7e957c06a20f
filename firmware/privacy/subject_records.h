// One kind of record a module keeps about a subject (consents, receipts, visits, interests...).
// Each module that stores rows about subjects provides one, so that access and erasure
// (DataRights) cover everything without privacy/ knowing other modules' tables.
// Implementations are stateless or immutable; thread-safe.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <string_view>

#include "platform/error.h"
#include "store/connection.h"

namespace optin::privacy {

class SubjectRecords {
 public:
  virtual ~SubjectRecords() = default;
  // A plural noun naming the records in exports and erasure receipts ("consents").
  virtual std::string_view Kind() const = 0;
  // Everything held of this kind about the subject, as shown to the subject.
  virtual Result<boost::json::value> Export(store::Connection& conn,
                                            std::string_view subject_id) const = 0;
  // How many records of this kind the subject has.
  virtual Result<int64_t> Count(store::Connection& conn, std::string_view subject_id) const = 0;
  // Deletes them. Rows that hang off subjects(id) with ON DELETE CASCADE need nothing here;
  // the default does nothing.
  virtual Status Erase(store::Connection&, std::string_view) const { return Ok(); }
};

// How many rows of `table` have this subject_id: the Count of most records. `table` is a name
// from the code, never from input.
Result<int64_t> CountSubjectRows(store::Connection& conn, std::string_view table,
                                 std::string_view subject_id);

}  // namespace optin::privacy
