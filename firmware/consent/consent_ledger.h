// The consent ledger: per subject and purpose, granted or withdrawn, under which policy version
// and until when. Every change issues a signed receipt (Kantara Consent Receipt v1.1 fields)
// and an audit entry. MayProcess is the one question every module asks before using a
// subject's data for a purpose. Grants made under an older policy version stop counting until
// the shopper confirms them again. Immutable after start-up apart from hook registration
// (register hooks before serving); methods run inside database jobs; thread-safe.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "consent/purpose.h"
#include "platform/clock.h"
#include "platform/error.h"
#include "privacy/receipt_signer.h"
#include "privacy/subject_records.h"
#include "store/connection.h"

namespace optin::consent {

struct ConsentPolicy {
  std::string policy_version = "1";
  std::chrono::seconds grant_lifetime = std::chrono::hours(24 * 365);
};

// Who the receipts name as controller.
struct Controller {
  std::string store_id = "store-0000";
  std::string name = "optin-edge store";
  std::string jurisdiction = "EU";
  std::string contact_email;
  std::string address;
  std::string policy_url;
};

enum class ConsentState {
  kNotAsked,  // no decision yet: off
  kGranted,
  kWithdrawn,
  kExpired,       // granted, but the expiry has passed
  kNeedsRenewal,  // granted under an older policy version: off until confirmed
};
std::string_view ToString(ConsentState s);

struct PurposeStatus {
  Purpose purpose;
  ConsentState state = ConsentState::kNotAsked;
  std::string policy_version;  // of the last decision
  std::optional<int64_t> changed_at;
  std::optional<int64_t> expires_at;
  bool in_force() const { return state == ConsentState::kGranted; }
};

struct ConsentChange {
  Purpose purpose;
  bool granted;
};

struct ConsentReceipt {
  std::string id;
  int64_t issued_at = 0;
  std::string jws;                      // what the shopper keeps
  boost::json::object payload;          // the same, readable
  std::vector<PurposeStatus> purposes;  // states after the change
};

class ConsentLedger {
 public:
  // Called inside the same transaction for every changed purpose, e.g. to drop interests when
  // `offers` and `history` are both withdrawn, or retract a help request.
  using ChangeHook = std::function<Status(store::Connection&, std::string_view subject_id,
                                          Purpose purpose, bool granted, int64_t now)>;

  ConsentLedger(const platform::Clock& clock, ConsentPolicy policy, Controller controller,
                const privacy::ReceiptSigner& signer);

  void AddChangeHook(ChangeHook hook) { hooks_.push_back(std::move(hook)); }

  // Applies the changes for a subject (creating the subject if new), records a receipt and an
  // audit entry, and returns the receipt. `collection_method` says how ("app check-in").
  Result<ConsentReceipt> Apply(store::Connection& conn, std::string_view subject_id,
                               std::span<const ConsentChange> changes,
                               std::string_view collection_method) const;

  // True only if `purpose` is granted, unexpired and under the current policy version, and
  // (for anything but presence) presence is in force too.
  Result<bool> MayProcess(store::Connection& conn, std::string_view subject_id,
                          Purpose purpose) const;

  Result<std::vector<PurposeStatus>> Statuses(store::Connection& conn,
                                              std::string_view subject_id) const;

  // Receipts issued to the subject, oldest first.
  Result<std::vector<ConsentReceipt>> Receipts(store::Connection& conn,
                                               std::string_view subject_id) const;

  // Retention: deletes expired grants (running the hooks as withdrawals) and returns how many.
  Result<int64_t> PurgeExpired(store::Connection& conn) const;

  const ConsentPolicy& policy() const { return policy_; }
  const Controller& controller() const { return controller_; }

  // Access/erasure views of the ledger's records.
  const privacy::SubjectRecords& consent_records() const { return *consent_records_; }
  const privacy::SubjectRecords& receipt_records() const { return *receipt_records_; }

 private:
  boost::json::object ReceiptPayload(std::string_view receipt_id, std::string_view subject_id,
                                     int64_t now, std::string_view collection_method,
                                     std::span<const PurposeStatus> statuses,
                                     std::span<const ConsentChange> changes) const;

  const platform::Clock& clock_;
  ConsentPolicy policy_;
  Controller controller_;
  const privacy::ReceiptSigner& signer_;
  std::vector<ChangeHook> hooks_;
  std::unique_ptr<privacy::SubjectRecords> consent_records_;
  std::unique_ptr<privacy::SubjectRecords> receipt_records_;
};

}  // namespace optin::consent
