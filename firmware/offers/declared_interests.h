// What a shopper told us they like ("trail running", as a beginner), the input that offers are
// chosen from. Stored only while `offers` or `history` is in force: the consent hook deletes
// them when both are off, and at the end of a visit without `history` they are dropped.
// Immutable after construction; methods run inside database jobs; thread-safe.
#pragma once

#include <boost/json/array.hpp>
#include <optional>
#include <string>
#include <vector>

#include "consent/consent_ledger.h"
#include "privacy/subject_records.h"
#include "store/connection.h"

namespace optin::offers {

struct Interest {
  std::string topic;                     // one of the store's interest list
  std::optional<std::string> expertise;  // beginner | intermediate | expert
};

// The interests in their one JSON form, [{"topic", "expertise"?}] (the data export's
// "interests" and the answer of PUT /v1/me/interests).
boost::json::array InterestsToJson(const std::vector<Interest>& interests);

class DeclaredInterests final : public privacy::SubjectRecords {
 public:
  static constexpr size_t kMaxInterests = 50;

  // `catalog` is the store's list of interests shoppers may pick from.
  DeclaredInterests(const platform::Clock& clock, const consent::ConsentLedger& ledger,
                    std::vector<std::string> catalog);

  // Checks the topics against the store's list and the expertise words; errors name the field
  // ("/interests/2/topic").
  Status Validate(const std::vector<Interest>& interests) const;

  // Replaces the subject's interests. kPermissionDenied (reason "consent-required") unless
  // `offers` or `history` is in force.
  Status Replace(store::Connection& conn, std::string_view subject_id,
                 const std::vector<Interest>& interests) const;
  Result<std::vector<Interest>> List(store::Connection& conn, std::string_view subject_id) const;

  // Deletes the interests unless `offers` or `history` is still in force. Used as a consent
  // change hook; returns how many were deleted.
  Result<int64_t> PruneIfNotAllowed(store::Connection& conn, std::string_view subject_id) const;
  // At the end of a visit: deletes them unless `history` is in force.
  Result<int64_t> ForgetUnlessHistory(store::Connection& conn, std::string_view subject_id) const;

  const std::vector<std::string>& catalog() const { return catalog_; }

  // SubjectRecords
  std::string_view Kind() const override { return "interests"; }
  Result<boost::json::value> Export(store::Connection& conn,
                                    std::string_view subject_id) const override;
  Result<int64_t> Count(store::Connection& conn, std::string_view subject_id) const override;

 private:
  Result<bool> InForce(store::Connection& conn, std::string_view subject_id,
                       bool history_only) const;
  Result<int64_t> DeleteAll(store::Connection& conn, std::string_view subject_id) const;

  const platform::Clock& clock_;
  const consent::ConsentLedger& ledger_;
  std::vector<std::string> catalog_;
};

}  // namespace optin::offers
