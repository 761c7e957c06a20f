#include "offers/offer_views.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <limits>

namespace optin::offers {
namespace {

OfferViewRecord RowToRecord(const store::Statement& stmt) {
  return OfferViewRecord{stmt.ColumnText(0), stmt.ColumnText(1), stmt.ColumnText(2),
                         stmt.ColumnInt(3),  stmt.ColumnInt(4),  stmt.ColumnInt(5)};
}

}  // namespace

Status OfferViews::Record(store::Connection& conn, std::string_view subject_id,
                          std::string_view visit_id, std::span<const Pick> picks,
                          int64_t now) const {
  for (const Pick& p : picks) {
    if (p.offer == nullptr) {
      return Fail(ErrorCode::kInvalidArgument, "A pick without an offer cannot be recorded.");
    }
    OPTIN_TRY(conn.Execute(
        "INSERT INTO offer_views(subject_id, visit_id, offer_id, category, reason, times, "
        "first_shown_at, last_shown_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?) "
        "ON CONFLICT(visit_id, offer_id) DO UPDATE SET times = times + 1, "
        "category = excluded.category, reason = excluded.reason, "
        "last_shown_at = excluded.last_shown_at",
        subject_id, visit_id, p.offer->id, p.category, p.reason, now, now));
  }
  return Ok();
}

Result<std::map<std::string, int>> OfferViews::ShownThisVisit(store::Connection& conn,
                                                              std::string_view visit_id) const {
  OPTIN_ASSIGN_OR_RETURN(
      auto stmt, conn.Prepare("SELECT offer_id, times FROM offer_views WHERE visit_id = ?"));
  stmt.BindAll(visit_id);
  std::map<std::string, int> out;
  while (true) {
    OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    int64_t times = stmt.ColumnInt(1);
    out[stmt.ColumnText(0)] =
        static_cast<int>(std::min<int64_t>(times, std::numeric_limits<int>::max()));
  }
  return out;
}

Result<std::vector<std::string>> OfferViews::HistoryCategories(
    store::Connection& conn, std::string_view subject_id, std::string_view exclude_visit_id) const {
  OPTIN_ASSIGN_OR_RETURN(auto stmt,
                         conn.Prepare("SELECT category FROM offer_views "
                                      "WHERE subject_id = ? AND visit_id <> ? "
                                      "GROUP BY category ORDER BY sum(times) DESC, category"));
  stmt.BindAll(subject_id, exclude_visit_id);
  std::vector<std::string> out;
  while (true) {
    OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    out.push_back(stmt.ColumnText(0));
  }
  return out;
}

Result<std::vector<OfferViewRecord>> OfferViews::ForVisit(store::Connection& conn,
                                                          std::string_view visit_id) const {
  OPTIN_ASSIGN_OR_RETURN(auto stmt,
                         conn.Prepare("SELECT offer_id, category, reason, times, first_shown_at, "
                                      "last_shown_at FROM offer_views WHERE visit_id = ? "
                                      "ORDER BY first_shown_at, offer_id"));
  stmt.BindAll(visit_id);
  std::vector<OfferViewRecord> out;
  while (true) {
    OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    out.push_back(RowToRecord(stmt));
  }
  return out;
}

Result<boost::json::value> OfferViews::Export(store::Connection& conn,
                                              std::string_view subject_id) const {
  OPTIN_ASSIGN_OR_RETURN(
      auto stmt, conn.Prepare("SELECT offer_id, category, reason, times, first_shown_at, "
                              "last_shown_at, visit_id FROM offer_views WHERE subject_id = ? "
                              "ORDER BY first_shown_at, visit_id, offer_id"));
  stmt.BindAll(subject_id);
  boost::json::array out;
  while (true) {
    OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    OfferViewRecord r = RowToRecord(stmt);
    out.push_back(boost::json::object{{"visit_id", stmt.ColumnText(6)},
                                      {"offer_id", r.offer_id},
                                      {"category", r.category},
                                      {"reason", r.reason},
                                      {"times", r.times},
                                      {"first_shown_at", r.first_shown_at},
                                      {"last_shown_at", r.last_shown_at}});
  }
  return out;
}

Result<int64_t> OfferViews::Count(store::Connection& conn, std::string_view subject_id) const {
  return privacy::CountSubjectRows(conn, "offer_views", subject_id);
}

}  // namespace optin::offers
