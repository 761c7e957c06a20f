// Help requests and the staff queue. A shopper with `assistance` in force asks for help (topic
// from the store's list, expertise, optional note and first name); staff see only those
// requests, claim them (the first claim wins) and resolve them. The note and first name are
// sealed at rest (AES-256-GCM, at-rest key); the first name is kept and shown only under
// `name_to_staff`. Withdrawing `assistance` or `name_to_staff`, ending the visit, cancelling or
// erasure change the prompt in the same transaction, and each committed change is announced on
// the PromptFeed (Connection::AfterCommit). Every staff view (once per session and prompt),
// claim and resolution is audited, linked to the subject for their own access log.
// Immutable after construction; methods run inside database jobs; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "assist/help_request.h"
#include "assist/prompt_feed.h"
#include "assist/staff_member.h"
#include "consent/consent_ledger.h"
#include "platform/clock.h"
#include "platform/error.h"
#include "platform/random.h"
#include "privacy/subject_records.h"
#include "store/connection.h"
#include "visits/visit_service.h"

namespace optin::assist {

struct HelpDeskPolicy {
  std::vector<std::string> topics = {"sizing and fit", "product advice", "find a product",
                                     "fitting room",   "checkout",       "something else"};
  int64_t max_open_per_visit = 1;
  int64_t max_per_visit_per_hour = 10;
};

// Live prompts right now (for the metrics).
struct LivePromptCounts {
  int64_t waiting = 0;
  int64_t claimed = 0;
};

// The outcome of a claim: either this staff member holds the prompt now, or someone else got
// there first (`prompt.request.claimed_by` says who).
struct ClaimResult {
  bool claimed = false;
  Prompt prompt;
};

class HelpDesk {
 public:
  HelpDesk(const platform::Clock& clock, platform::Random& random, std::string at_rest_key,
           const consent::ConsentLedger& ledger, PromptFeed& feed, HelpDeskPolicy policy);
  ~HelpDesk();

  // Hooks run inside the transaction of a new request / a first claim (e.g. HQ aggregates).
  // Register them before serving.
  using RequestHook = std::function<Status(store::Connection&, std::string_view subject_id,
                                           std::string_view topic)>;
  using ClaimHook = std::function<Status(store::Connection&, std::string_view subject_id,
                                         int64_t requested_at, int64_t claimed_at)>;
  void AddRequestHook(RequestHook hook) { request_hooks_.push_back(std::move(hook)); }
  void AddClaimHook(ClaimHook hook) { claim_hooks_.push_back(std::move(hook)); }

  // Topic from the list, expertise word, note and first name rules; errors name the field.
  Status Validate(const NewHelpRequest& request) const;

  // The shopper asks for help during `visit`. kPermissionDenied ("consent-required") without
  // `assistance`; kConflict ("help-request-open", HTTP 409) while the visit has its
  // max_open_per_visit requests open; kResourceExhausted ("rate-limited", HTTP 429) past the
  // hourly per-visit limit.
  Result<ShopperView> Request(store::Connection& conn, const visits::Visit& visit,
                              const NewHelpRequest& request) const;
  // How long until `visit_id` may ask again under the hourly limit: zero below the limit, else
  // until the request that fills the limit is an hour old (the 429's Retry-After; its detail
  // states the same time in minutes, rounded up).
  Result<std::chrono::seconds> HourlyRetryAfter(store::Connection& conn,
                                                std::string_view visit_id) const;
  // The visit's oldest open (waiting or claimed) request, if any.
  Result<std::optional<std::string>> OpenRequestId(store::Connection& conn,
                                                   std::string_view visit_id) const;
  // The shopper's own request; kNotFound ("help-request-not-found") for anyone else's.
  Result<ShopperView> Get(store::Connection& conn, std::string_view subject_id,
                          std::string_view id) const;
  // Cancels a live request (idempotent once closed); kConflict ("help-request-resolved").
  Result<ShopperView> Cancel(store::Connection& conn, std::string_view subject_id,
                             std::string_view id) const;

  // The live queue for staff, longest waiting first. Prompts whose visit has ended or whose
  // `assistance` lapsed are retracted on the way. Records and audits first views.
  Result<std::vector<Prompt>> Queue(store::Connection& conn, const StaffSession& staff) const;
  // Records that `staff` saw these prompts (for pushes over the WebSocket), auditing first views.
  Status RecordViews(store::Connection& conn, const StaffSession& staff,
                     const std::vector<std::string>& prompt_ids) const;
  // kNotFound ("prompt-not-found"), kConflict ("prompt-resolved", "prompt-closed").
  Result<ClaimResult> Claim(store::Connection& conn, const StaffSession& staff,
                            std::string_view id) const;
  // As Claim, plus kConflict ("claimed-by-other") for an associate resolving another's prompt.
  Result<Prompt> Resolve(store::Connection& conn, const StaffSession& staff,
                         std::string_view id) const;

  // ConsentLedger change hook: without `assistance` the subject's prompts are retracted;
  // without `name_to_staff` the first names are deleted and the prompts updated.
  Status OnConsentChange(store::Connection& conn, std::string_view subject_id,
                         consent::Purpose purpose, bool granted, int64_t now) const;
  // VisitService end hook: the visit's live prompts are retracted.
  Status OnVisitEnd(store::Connection& conn, const visits::Visit& visit) const;
  // How many prompts are waiting and claimed (any connection, a reader's too).
  Result<LivePromptCounts> CountLive(store::Connection& conn) const;
  // Retracts every live prompt of the subject; returns how many.
  Result<int64_t> RetractForSubject(store::Connection& conn, std::string_view subject_id) const;

  // Access and erasure of help requests (register with DataRights).
  const privacy::SubjectRecords& records() const { return *records_; }
  const HelpDeskPolicy& policy() const { return policy_; }

  // Used by the records; not for general use.
  struct Row;
  Result<std::vector<Row>> LoadRows(store::Connection& conn, std::string_view where,
                                    std::optional<std::string_view> arg) const;
  HelpRequest Decrypt(const Row& row, bool include_first_name) const;

 private:
  Result<std::optional<Row>> LoadRow(store::Connection& conn, std::string_view id) const;
  // The request when it is this subject's; another's is answered as not found, like none.
  Result<Row> LoadOwnRow(store::Connection& conn, std::string_view subject_id,
                         std::string_view id) const;
  Result<Prompt> ToPrompt(store::Connection& conn, const Row& row) const;
  Result<ShopperView> ToShopperView(store::Connection& conn, const Row& row) const;
  Status Retract(store::Connection& conn, const Row& row, int64_t now) const;
  Status RecordView(store::Connection& conn, const StaffSession& staff, const Row& row,
                    int64_t now) const;
  void Announce(store::Connection& conn, PromptEventKind kind, const std::string& id,
                std::optional<boost::json::object> view) const;
  Result<std::string> Seal(std::string_view plaintext, std::string_view aad) const;

  const platform::Clock& clock_;
  platform::Random& random_;
  const std::string at_rest_key_;
  const consent::ConsentLedger& ledger_;
  PromptFeed& feed_;
  const HelpDeskPolicy policy_;
  std::unique_ptr<privacy::SubjectRecords> records_;
  std::vector<RequestHook> request_hooks_;
  std::vector<ClaimHook> claim_hooks_;
};

}  // namespace optin::assist
