// The record of offers shown to a shopper in a visit (table offer_views): how many times, for
// which category and with which reason. It drives the frequency cap (ShownThisVisit), the
// shopper's "why" page (ForVisit) and, only when the caller has `history` in force, the
// categories of earlier visits (HistoryCategories). Record it only under `offers`. Rows go with
// their visit and with the subject (ON DELETE CASCADE).
// Stateless; methods run inside database jobs on the caller's connection; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "offers/offer_selector.h"
#include "privacy/subject_records.h"
#include "store/connection.h"

namespace optin::offers {

struct OfferViewRecord {
  std::string offer_id;
  std::string category;
  std::string reason;
  int64_t times = 0;
  int64_t first_shown_at = 0;
  int64_t last_shown_at = 0;
};

class OfferViews final : public privacy::SubjectRecords {
 public:
  // Records that `picks` were shown in the visit at `now`: a new row per offer, or one more
  // time (with the latest category and reason) for an offer already shown in this visit.
  Status Record(store::Connection& conn, std::string_view subject_id, std::string_view visit_id,
                std::span<const Pick> picks, int64_t now) const;

  // Offer id -> times shown in the visit (the selector's ShopperSignals::shown_this_visit).
  Result<std::map<std::string, int>> ShownThisVisit(store::Connection& conn,
                                                    std::string_view visit_id) const;

  // Categories of offers shown to the subject in visits other than `exclude_visit_id`, most
  // often shown first (ties by name). The caller asks only while `history` is in force.
  Result<std::vector<std::string>> HistoryCategories(store::Connection& conn,
                                                     std::string_view subject_id,
                                                     std::string_view exclude_visit_id) const;

  // The offers shown in the visit, first shown first (for "why am I seeing this").
  Result<std::vector<OfferViewRecord>> ForVisit(store::Connection& conn,
                                                std::string_view visit_id) const;

  // SubjectRecords (erasure: the rows cascade with the subject).
  std::string_view Kind() const override { return "offer_views"; }
  Result<boost::json::value> Export(store::Connection& conn,
                                    std::string_view subject_id) const override;
  Result<int64_t> Count(store::Connection& conn, std::string_view subject_id) const override;
};

}  // namespace optin::offers
