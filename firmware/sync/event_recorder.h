// Records the events HQ aggregates are made of, inside the write job of the action itself:
// a check-in (channel), a help request (topic), a claim (time-to-claim bucket) and an offer view
// (category). An event is recorded only when the subject's `hq_aggregates` is in force at that
// moment, and holds the subject link (for erasure and the per-shopper caps), the time, the metric
// and the label: nothing else. (app::Domain::AttachSync never calls it for an anonymous web
// visit's subject: an identity per visit cannot be capped per shopper and day.) Withdrawing
// `hq_aggregates` (or presence) deletes the subject's events still stored (pending, or released
// and not yet cleaned up). The time is never before the end of the last decided period.
// Immutable; methods run inside database jobs; thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "consent/consent_ledger.h"
#include "platform/clock.h"
#include "platform/error.h"
#include "privacy/subject_records.h"
#include "store/connection.h"
#include "sync/sync_policy.h"

namespace optin::sync {

class EventRecorder {
 public:
  EventRecorder(const platform::Clock& clock, const consent::ConsentLedger& ledger);
  ~EventRecorder();

  // Records (metric, label) for the subject if `hq_aggregates` is in force; otherwise nothing.
  Status Record(store::Connection& conn, std::string_view subject_id, std::string_view metric,
                std::string_view label) const;

  Status OnCheckIn(store::Connection& conn, std::string_view subject_id,
                   std::string_view channel) const;
  Status OnHelpRequest(store::Connection& conn, std::string_view subject_id,
                       std::string_view topic) const;
  Status OnClaim(store::Connection& conn, std::string_view subject_id, int64_t requested_at,
                 int64_t claimed_at) const;
  // The recording hook for the offers module: one view of an offer of `category`.
  Status OnOfferView(store::Connection& conn, std::string_view subject_id,
                     std::string_view category) const;
  // ConsentLedger change hook.
  Status OnConsentChange(store::Connection& conn, std::string_view subject_id,
                         consent::Purpose purpose, bool granted, int64_t now) const;

  // Access (and erasure, by cascade) of the subject's pending events (register with DataRights).
  const privacy::SubjectRecords& records() const { return *records_; }

 private:
  const platform::Clock& clock_;
  const consent::ConsentLedger& ledger_;
  std::unique_ptr<privacy::SubjectRecords> records_;
};

}  // namespace optin::sync
