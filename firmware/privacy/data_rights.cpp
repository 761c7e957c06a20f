#include "privacy/data_rights.h"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>

#include "privacy/audit_log.h"

namespace optin::privacy {

Result<boost::json::object> DataRights::Export(store::Connection& conn,
                                               std::string_view subject_id) const {
  boost::json::object out;
  OPTIN_ASSIGN_OR_RETURN(auto stmt, conn.Prepare("SELECT created_at FROM subjects WHERE id = ?"));
  stmt.BindAll(subject_id);
  OPTIN_ASSIGN_OR_RETURN(bool known, stmt.Step());
  out["subject"] = boost::json::object{
      {"pseudonym", subject_id},
      {"known_since", known ? boost::json::value(stmt.ColumnInt(0)) : boost::json::value(nullptr)}};
  for (const SubjectRecords* r : records_) {
    OPTIN_ASSIGN_OR_RETURN(boost::json::value v, r->Export(conn, subject_id));
    out[r->Kind()] = std::move(v);
  }
  OPTIN_ASSIGN_OR_RETURN(auto entries, AuditLog::ForSubject(conn, subject_id));
  boost::json::array log;
  for (const auto& e : entries) {
    boost::system::error_code ec;
    boost::json::value detail = boost::json::parse(e.detail, ec);
    log.push_back(boost::json::object{{"at", e.at}, {"event", e.kind}, {"detail", detail}});
  }
  out["access_log"] = std::move(log);
  return out;
}

Result<ErasureSummary> DataRights::Erase(store::Connection& conn, std::string_view subject_id,
                                         int64_t now) const {
  ErasureSummary summary;
  summary.erased_at = now;
  // Count everything before anything is erased: one kind's erase step may remove another's
  // rows (ending a visit drops its interests).
  for (const SubjectRecords* r : records_) {
    OPTIN_ASSIGN_OR_RETURN(int64_t n, r->Count(conn, subject_id));
    summary.deleted[std::string(r->Kind())] += n;
  }
  for (const SubjectRecords* r : records_) OPTIN_TRY(r->Erase(conn, subject_id));
  OPTIN_ASSIGN_OR_RETURN(int64_t subjects,
                         conn.Execute("DELETE FROM subjects WHERE id = ?", subject_id));
  summary.deleted["subjects"] = subjects;
  // ON DELETE SET NULL has cleared the audit link; make sure nothing is left either way.
  OPTIN_TRY(
      conn.Execute("UPDATE audit_log SET subject_id = NULL WHERE subject_id = ?", subject_id));
  boost::json::object counts;
  for (const auto& [kind, n] : summary.deleted) counts[kind] = n;
  OPTIN_TRY(
      AuditLog::Append(conn, now, "subject.erased", boost::json::object{{"deleted", counts}}));
  return summary;
}

Result<std::string> DataRights::SignErasureReceipt(const ReceiptSigner& signer,
                                                   std::string_view store_id,
                                                   const ErasureSummary& summary) {
  boost::json::object deleted;
  for (const auto& [kind, n] : summary.deleted) deleted[kind] = n;
  boost::json::object payload{
      {"version", "optin-edge-erasure-v1"},
      {"receiptID", signer.NewReceiptId()},
      {"erasedAt", summary.erased_at},
      {"controller", store_id},
      {"deleted", std::move(deleted)},
      {"statement",
       "Every record about you held by this store's device has been deleted, and the database "
       "files were rewritten so that no copy remains. This receipt carries no identifier."},
  };
  return signer.Sign("erasure-receipt+jws", payload);
}

}  // namespace optin::privacy
