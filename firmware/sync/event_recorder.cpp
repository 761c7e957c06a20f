#include "sync/event_recorder.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "sync/aggregator.h"

namespace optin::sync {
namespace {

class EventRecords final : public privacy::SubjectRecords {
 public:
  std::string_view Kind() const override { return "hq_aggregate_events"; }
  Result<boost::json::value> Export(store::Connection& conn,
                                    std::string_view subject_id) const override {
    OPTIN_ASSIGN_OR_RETURN(auto stmt, conn.Prepare("SELECT at, metric, label FROM sync_events "
                                                   "WHERE subject_id = ? ORDER BY at, id"));
    stmt.BindAll(subject_id);
    boost::json::array out;
    for (;;) {
      OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      out.push_back(boost::json::object{{"at", stmt.ColumnInt(0)},
                                        {"metric", stmt.ColumnText(1)},
                                        {"label", stmt.ColumnText(2)}});
    }
    return boost::json::value(std::move(out));
  }
  Result<int64_t> Count(store::Connection& conn, std::string_view subject_id) const override {
    return privacy::CountSubjectRows(conn, "sync_events", subject_id);
  }
};

}  // namespace

std::string_view ClaimBucketLabel(int64_t seconds) {
  for (const ClaimBucket& b : kClaimBuckets) {
    if (b.below_seconds == 0 || seconds < b.below_seconds) return b.label;
  }
  return kClaimBuckets[std::size(kClaimBuckets) - 1].label;
}

EventRecorder::EventRecorder(const platform::Clock& clock, const consent::ConsentLedger& ledger)
    : clock_(clock), ledger_(ledger), records_(std::make_unique<EventRecords>()) {}

EventRecorder::~EventRecorder() = default;

Status EventRecorder::Record(store::Connection& conn, std::string_view subject_id,
                             std::string_view metric, std::string_view label) const {
  OPTIN_ASSIGN_OR_RETURN(bool allowed,
                         ledger_.MayProcess(conn, subject_id, consent::Purpose::kHqAggregates));
  if (!allowed) return Ok();

  // Never stamped inside an already decided period (a clock that stepped back): such an event
  // would pass for a released one. It counts in the next period instead.
  OPTIN_ASSIGN_OR_RETURN(const int64_t released_until, Aggregator::ReleasedUntil(conn));
  OPTIN_TRY(
      conn.Execute("INSERT INTO sync_events(subject_id, at, metric, label) VALUES (?, ?, ?, ?)",
                   subject_id, std::max(clock_.NowUnix(), released_until), metric, label));
  return Ok();
}

Status EventRecorder::OnCheckIn(store::Connection& conn, std::string_view subject_id,
                                std::string_view channel) const {
  return Record(conn, subject_id, kCheckinsByChannel, channel);
}

Status EventRecorder::OnHelpRequest(store::Connection& conn, std::string_view subject_id,
                                    std::string_view topic) const {
  return Record(conn, subject_id, kHelpRequestsByTopic, topic);
}

Status EventRecorder::OnClaim(store::Connection& conn, std::string_view subject_id,
                              int64_t requested_at, int64_t claimed_at) const {
  return Record(conn, subject_id, kTimeToClaim,
                ClaimBucketLabel(std::max<int64_t>(0, claimed_at - requested_at)));
}

Status EventRecorder::OnOfferView(store::Connection& conn, std::string_view subject_id,
                                  std::string_view category) const {
  return Record(conn, subject_id, kOfferViewsByCategory, category);
}

Status EventRecorder::OnConsentChange(store::Connection& conn, std::string_view subject_id,
                                      consent::Purpose purpose, bool granted, int64_t) const {
  if (granted) return Ok();
  if (purpose != consent::Purpose::kHqAggregates && purpose != consent::Purpose::kPresence) {
    return Ok();
  }
  OPTIN_TRY(conn.Execute("DELETE FROM sync_events WHERE subject_id = ?", subject_id));
  return Ok();
}

}  // namespace optin::sync
