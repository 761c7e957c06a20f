// Check-in and the visit lifecycle. A check-in consumes the token id (replays are refused),
// creates the subject if new, starts a visit with a random friendly pseudonym and an opaque
// visit token (stored only as a keyed hash), and records the chosen purposes in the consent
// ledger, all in the caller's transaction. Visits end on request or after max_duration.
// Immutable after start-up (register hooks before serving); thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "consent/consent_ledger.h"
#include "platform/clock.h"
#include "platform/random.h"
#include "privacy/pseudonymizer.h"
#include "privacy/subject_records.h"
#include "store/connection.h"

namespace optin::visits {

struct VisitPolicy {
  std::chrono::seconds max_duration = std::chrono::hours(4);
  std::chrono::seconds ended_retention = std::chrono::hours(24);    // ended visits, no history
  std::chrono::seconds history_retention = std::chrono::days(180);  // under `history`
};

struct Visit {
  std::string id;
  std::string subject_id;
  std::string pseudonym;
  std::string channel;  // "app", "loyalty_scan", "web"
  int64_t started_at = 0;
  int64_t expires_at = 0;
  std::optional<int64_t> ended_at;
  bool active(int64_t now) const { return !ended_at && now < expires_at; }
};

struct CheckInRequest {
  std::string subject_id;  // already pseudonymized
  std::string token_id;    // jti, hashed before it is stored
  int64_t token_expires_at = 0;
  std::string channel;
  // Purposes the shopper decided on now; presence is always granted by checking in.
  std::vector<consent::ConsentChange> decisions;
  std::string language;  // the notice's language the shopper read (empty: the store default)
};

struct CheckInResult {
  Visit visit;
  std::string visit_token;  // handed to the shopper once; only its hash is kept
  consent::ConsentReceipt receipt;
};

class VisitService {
 public:
  // Runs inside the transaction that ends a visit (to retract help requests, drop interests).
  using EndHook = std::function<Status(store::Connection&, const Visit&)>;

  VisitService(const platform::Clock& clock, platform::Random& random,
               const privacy::Pseudonymizer& pseudonymizer, const consent::ConsentLedger& ledger,
               VisitPolicy policy);

  void AddEndHook(EndHook hook) { end_hooks_.push_back(std::move(hook)); }
  // Runs inside the check-in's transaction once the visit is recorded (e.g. HQ aggregates).
  using CheckInHook = std::function<Status(store::Connection&, const Visit&)>;
  void AddCheckInHook(CheckInHook hook) { check_in_hooks_.push_back(std::move(hook)); }

  // kConflict (reason "token-replayed") when the token id was used before. An open visit of
  // the same subject is ended first: one shopper, one visit.
  // An empty subject_id and token_id is an anonymous check-in from the shopper web page
  // (channel "web"): the visit gets a random subject of its own, linked to nothing else, and
  // the visit token is the shopper's only handle on it.
  Result<CheckInResult> CheckIn(store::Connection& conn, const CheckInRequest& request) const;

  // `history` keeps past visits for the same shopper's later visits. An anonymous web visit
  // ("web") has a subject of its own that no later visit can reach, so granting it there is
  // refused: kFailedPrecondition ("purpose-needs-app", HTTP 422) naming the purpose and why,
  // at `field`. Withdrawing is always fine.
  static Status CheckDecisionsForChannel(std::string_view channel,
                                         const std::vector<consent::ConsentChange>& decisions,
                                         std::string_view field = "/purposes/history");

  // The active visit for a visit token, or kUnauthenticated ("visit-token-invalid").
  Result<Visit> FindByToken(store::Connection& conn, std::string_view visit_token) const;
  Result<std::optional<Visit>> ActiveForSubject(store::Connection& conn,
                                                std::string_view subject_id) const;
  // Whether the subject is an anonymous web visit's own (channel "web"). Such a subject is one
  // identity per visit and cannot be capped across visits, so it never counts in HQ figures.
  static Result<bool> IsAnonymousWebSubject(store::Connection& conn, std::string_view subject_id);
  // Ends the visit (idempotent for an already ended visit).
  Status End(store::Connection& conn, const Visit& visit) const;

  // Retention: ends visits past their time, deletes ended visits older than the retention
  // (longer under `history`), deletes anonymous web subjects whole once their visit has been
  // over for ended_retention (nobody can reach them again), forgets used token ids past their
  // expiry. Returns rows deleted.
  Result<int64_t> Purge(store::Connection& conn) const;

  const privacy::SubjectRecords& records() const { return *records_; }
  const VisitPolicy& policy() const { return policy_; }
  const platform::Clock& clock() const { return clock_; }

 private:
  Result<CheckInResult> CheckInAnonymously(store::Connection& conn,
                                           const CheckInRequest& request) const;
  Result<CheckInResult> StartVisit(store::Connection& conn, const CheckInRequest& request) const;
  Result<std::vector<Visit>> Query(store::Connection& conn, std::string_view where,
                                   std::string_view arg) const;

  const platform::Clock& clock_;
  platform::Random& random_;
  const privacy::Pseudonymizer& pseudonymizer_;
  const consent::ConsentLedger& ledger_;
  VisitPolicy policy_;
  std::vector<EndHook> end_hooks_;
  std::vector<CheckInHook> check_in_hooks_;
  std::unique_ptr<privacy::SubjectRecords> records_;
};

}  // namespace optin::visits
