#include "offers/declared_interests.h"

#include <algorithm>
#include <boost/json/array.hpp>
#include <set>

namespace optin::offers {
namespace {

bool IsExpertise(std::string_view s) {
  return s == "beginner" || s == "intermediate" || s == "expert";
}

}  // namespace

DeclaredInterests::DeclaredInterests(const platform::Clock& clock,
                                     const consent::ConsentLedger& ledger,
                                     std::vector<std::string> catalog)
    : clock_(clock), ledger_(ledger), catalog_(std::move(catalog)) {}

Status DeclaredInterests::Validate(const std::vector<Interest>& interests) const {
  if (interests.size() > kMaxInterests) {
    return Fail(ErrorCode::kInvalidArgument,
                "At most " + std::to_string(kMaxInterests) + " interests can be declared.",
                "/interests", "too-many-interests");
  }
  std::set<std::string_view> seen;
  for (size_t i = 0; i < interests.size(); ++i) {
    const Interest& in = interests[i];
    const std::string at = "/interests/" + std::to_string(i);
    if (std::find(catalog_.begin(), catalog_.end(), in.topic) == catalog_.end()) {
      return Fail(ErrorCode::kInvalidArgument,
                  "This store does not offer the interest you sent; pick one from its list "
                  "(GET /v1/store).",
                  at + "/topic", "unknown-interest");
    }
    if (!seen.insert(in.topic).second) {
      return Fail(ErrorCode::kInvalidArgument, "The same interest is listed twice.", at + "/topic",
                  "duplicate-interest");
    }
    if (in.expertise && !IsExpertise(*in.expertise)) {
      return Fail(ErrorCode::kInvalidArgument,
                  "Expertise must be one of beginner, intermediate or expert.", at + "/expertise",
                  "invalid-expertise");
    }
  }
  return Ok();
}

Result<bool> DeclaredInterests::InForce(store::Connection& conn, std::string_view subject_id,
                                        bool history_only) const {
  OPTIN_ASSIGN_OR_RETURN(auto statuses, ledger_.Statuses(conn, subject_id));
  bool history = statuses[static_cast<size_t>(consent::Purpose::kHistory)].in_force();
  bool offers = statuses[static_cast<size_t>(consent::Purpose::kOffers)].in_force();
  return history || (!history_only && offers);
}

Status DeclaredInterests::Replace(store::Connection& conn, std::string_view subject_id,
                                  const std::vector<Interest>& interests) const {
  OPTIN_TRY(Validate(interests));
  OPTIN_ASSIGN_OR_RETURN(bool allowed, InForce(conn, subject_id, false));
  if (!allowed) {
    return Fail(ErrorCode::kPermissionDenied,
                "Interests are kept only while you allow 'offers' or 'history'. Grant one of them "
                "first.",
                "/interests", "consent-required");
  }
  OPTIN_TRY(DeleteAll(conn, subject_id));
  const int64_t now = clock_.NowUnix();
  for (const Interest& in : interests) {
    OPTIN_TRY(conn.Execute(
        "INSERT INTO interests(subject_id, interest, expertise, declared_at) VALUES (?, ?, ?, ?)",
        subject_id, in.topic, in.expertise, now));
  }
  return Ok();
}

Result<std::vector<Interest>> DeclaredInterests::List(store::Connection& conn,
                                                      std::string_view subject_id) const {
  OPTIN_ASSIGN_OR_RETURN(auto stmt, conn.Prepare("SELECT interest, expertise FROM interests "
                                                 "WHERE subject_id = ? ORDER BY interest"));
  stmt.BindAll(subject_id);
  std::vector<Interest> out;
  while (true) {
    OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    Interest in{stmt.ColumnText(0), std::nullopt};
    if (!stmt.ColumnIsNull(1)) in.expertise = stmt.ColumnText(1);
    out.push_back(std::move(in));
  }
  return out;
}

Result<int64_t> DeclaredInterests::DeleteAll(store::Connection& conn,
                                             std::string_view subject_id) const {
  return conn.Execute("DELETE FROM interests WHERE subject_id = ?", subject_id);
}

Result<int64_t> DeclaredInterests::PruneIfNotAllowed(store::Connection& conn,
                                                     std::string_view subject_id) const {
  OPTIN_ASSIGN_OR_RETURN(bool keep, InForce(conn, subject_id, false));
  if (keep) return 0;
  return DeleteAll(conn, subject_id);
}

Result<int64_t> DeclaredInterests::ForgetUnlessHistory(store::Connection& conn,
                                                       std::string_view subject_id) const {
  OPTIN_ASSIGN_OR_RETURN(bool keep, InForce(conn, subject_id, true));
  if (keep) return 0;
  return DeleteAll(conn, subject_id);
}

boost::json::array InterestsToJson(const std::vector<Interest>& interests) {
  boost::json::array out;
  for (const Interest& in : interests) {
    boost::json::object o{{"topic", in.topic}};
    if (in.expertise) o["expertise"] = *in.expertise;
    out.push_back(std::move(o));
  }
  return out;
}

Result<boost::json::value> DeclaredInterests::Export(store::Connection& conn,
                                                     std::string_view subject_id) const {
  OPTIN_ASSIGN_OR_RETURN(auto list, List(conn, subject_id));
  return InterestsToJson(list);
}

Result<int64_t> DeclaredInterests::Count(store::Connection& conn,
                                         std::string_view subject_id) const {
  return privacy::CountSubjectRows(conn, "interests", subject_id);
}

}  // namespace optin::offers
