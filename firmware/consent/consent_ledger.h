// The consent ledger: per subject and purpose, granted or withdrawn, under which policy version
// and until when. Every change issues a signed receipt (Kantara Consent Receipt v1.1 fields)
// and an audit entry. MayProcess is the one question every module asks before using a
// subject's data for a purpose. Grants made under an older policy version stop counting until
// the shopper confirms them again, and so do grants given under a notice version older than the
// newest material one (firmware/notices). Each receipt names the notice version and language
// shown and the SHA-256 of that text. Immutable after start-up apart from hook registration and
// UseNotices (both before serving); methods run inside database jobs; thread-safe.
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
#include "notices/notice_holder.h"
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
  std::optional<int64_t> notice_version;  // the notice shown then (none before notices existed)
  std::string language;                   // the language it was shown in
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
  std::string language;                   // of the notice shown
  std::optional<int64_t> notice_version;  // nothing when no notice is in force
  std::string notice_sha256;              // SHA-256 (hex) of its canonical text; empty: none
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
  // The notices in force (must outlive the ledger). Without it receipts name no notice, in "en".
  void UseNotices(const notices::NoticeHolder* holder) { notices_ = holder; }
  const notices::NoticeHolder* notices() const { return notices_; }
  // The language to record for an Accept-Language header: the store's pick, "en" without
  // notices.
  std::string LanguageFor(std::string_view accept_language) const;

  // Applies the changes for a subject (creating the subject if new), records a receipt and an
  // audit entry, and returns the receipt. `collection_method` says how ("app check-in");
  // `language` is the one the notice was shown in (a store language; otherwise, or empty, the
  // store's default).
  Result<ConsentReceipt> Apply(store::Connection& conn, std::string_view subject_id,
                               std::span<const ConsentChange> changes,
                               std::string_view collection_method,
                               std::string_view language = {}) const;

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
  boost::json::object ReceiptPayload(const ConsentReceipt& receipt, std::string_view subject_id,
                                     std::string_view collection_method,
                                     std::span<const ConsentChange> changes) const;

  const platform::Clock& clock_;
  ConsentPolicy policy_;
  Controller controller_;
  const privacy::ReceiptSigner& signer_;
  std::vector<ChangeHook> hooks_;
  const notices::NoticeHolder* notices_ = nullptr;
  std::unique_ptr<privacy::SubjectRecords> consent_records_;
  std::unique_ptr<privacy::SubjectRecords> receipt_records_;
};

}  // namespace optin::consent
