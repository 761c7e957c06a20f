#include "consent/consent_ledger.h"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>

#include "notices/api_texts.h"
#include "privacy/audit_log.h"
#include "privacy/jws.h"

namespace optin::consent {
namespace {

// The receipt's purpose texts from the notice shown (its one-line summary of each purpose, in the
// receipt's language) instead of the built-in English description.
void UseNoticeWords(boost::json::object& payload, const notices::NoticeText& text) {
  const auto* words = text.document.if_contains("purposes");
  auto* services = payload.if_contains("services");
  if (words == nullptr || !words->is_object() || services == nullptr || !services->is_array()) {
    return;
  }
  for (auto& service : services->as_array()) {
    auto* purposes = service.is_object() ? service.as_object().if_contains("purposes") : nullptr;
    if (purposes == nullptr || !purposes->is_array()) continue;
    for (auto& p : purposes->as_array()) {
      if (!p.is_object()) continue;
      const auto* id = p.as_object().if_contains("purposeId");
      const auto* entry =
          id && id->is_string() ? words->as_object().if_contains(id->as_string()) : nullptr;
      const auto* summary =
          entry && entry->is_object() ? entry->as_object().if_contains("summary") : nullptr;
      if (summary && summary->is_string()) p.as_object()["purpose"] = summary->as_string();
    }
  }
}

boost::json::object StatusJson(const PurposeStatus& s) {
  boost::json::object o{{"purpose", ToString(s.purpose)}, {"state", ToString(s.state)}};
  if (!s.policy_version.empty()) o["policy_version"] = s.policy_version;
  if (s.notice_version) o["notice_version"] = *s.notice_version;
  if (!s.language.empty()) o["language"] = s.language;
  if (s.changed_at) o["changed_at"] = *s.changed_at;
  if (s.expires_at) o["expires_at"] = *s.expires_at;
  return o;
}

class ConsentRecords final : public privacy::SubjectRecords {
 public:
  explicit ConsentRecords(const ConsentLedger& ledger) : ledger_(ledger) {}
  std::string_view Kind() const override { return "consents"; }
  Result<boost::json::value> Export(store::Connection& conn,
                                    std::string_view subject_id) const override {
    OPTIN_ASSIGN_OR_RETURN(auto statuses, ledger_.Statuses(conn, subject_id));
    boost::json::array out;
    for (const auto& s : statuses) out.push_back(StatusJson(s));
    return out;
  }
  Result<int64_t> Count(store::Connection& conn, std::string_view subject_id) const override {
    return privacy::CountSubjectRows(conn, "consents", subject_id);
  }

 private:
  const ConsentLedger& ledger_;
};

class ReceiptRecords final : public privacy::SubjectRecords {
 public:
  explicit ReceiptRecords(const ConsentLedger& ledger) : ledger_(ledger) {}
  std::string_view Kind() const override { return "receipts"; }
  Result<boost::json::value> Export(store::Connection& conn,
                                    std::string_view subject_id) const override {
    OPTIN_ASSIGN_OR_RETURN(auto receipts, ledger_.Receipts(conn, subject_id));
    boost::json::array out;
    for (const auto& r : receipts) {
      out.push_back(boost::json::object{
          {"id", r.id}, {"issued_at", r.issued_at}, {"jws", r.jws}, {"payload", r.payload}});
    }
    return out;
  }
  Result<int64_t> Count(store::Connection& conn, std::string_view subject_id) const override {
    return privacy::CountSubjectRows(conn, "receipts", subject_id);
  }

 private:
  const ConsentLedger& ledger_;
};

}  // namespace

std::string_view ToString(ConsentState s) {
  switch (s) {
    case ConsentState::kNotAsked:
      return "not_asked";
    case ConsentState::kGranted:
      return "granted";
    case ConsentState::kWithdrawn:
      return "withdrawn";
    case ConsentState::kExpired:
      return "expired";
    case ConsentState::kNeedsRenewal:
      return "needs_renewal";
  }
  return "unknown";
}

ConsentLedger::ConsentLedger(const platform::Clock& clock, ConsentPolicy policy,
                             Controller controller, const privacy::ReceiptSigner& signer)
    : clock_(clock),
      policy_(std::move(policy)),
      controller_(std::move(controller)),
      signer_(signer),
      consent_records_(std::make_unique<ConsentRecords>(*this)),
      receipt_records_(std::make_unique<ReceiptRecords>(*this)) {}

Result<std::vector<PurposeStatus>> ConsentLedger::Statuses(store::Connection& conn,
                                                           std::string_view subject_id) const {
  const int64_t now = clock_.NowUnix();
  std::vector<PurposeStatus> out;
  for (Purpose p : kAllPurposes) {
    PurposeStatus s;
    s.purpose = p;
    out.push_back(std::move(s));
  }
  OPTIN_ASSIGN_OR_RETURN(
      auto stmt, conn.Prepare("SELECT purpose, granted, policy_version, changed_at, expires_at, "
                              "notice_version, language FROM consents WHERE subject_id = ?"));
  const int64_t renew_before = notices_ ? notices_->renew_before() : 0;
  stmt.BindAll(subject_id);
  while (true) {
    OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    auto purpose = ParsePurpose(stmt.ColumnText(0));
    if (!purpose) continue;  // a purpose this version no longer knows counts as not granted
    PurposeStatus& s = out[static_cast<size_t>(*purpose)];
    s.policy_version = stmt.ColumnText(2);
    s.changed_at = stmt.ColumnInt(3);
    if (!stmt.ColumnIsNull(4)) s.expires_at = stmt.ColumnInt(4);
    if (!stmt.ColumnIsNull(5)) s.notice_version = stmt.ColumnInt(5);
    if (!stmt.ColumnIsNull(6)) s.language = stmt.ColumnText(6);
    if (stmt.ColumnInt(1) == 0) {
      s.state = ConsentState::kWithdrawn;
    } else if (s.expires_at && *s.expires_at <= now) {
      s.state = ConsentState::kExpired;
    } else if (s.policy_version != policy_.policy_version ||
               s.notice_version.value_or(0) < renew_before) {
      s.state = ConsentState::kNeedsRenewal;
    } else {
      s.state = ConsentState::kGranted;
    }
  }
  return out;
}

Result<bool> ConsentLedger::MayProcess(store::Connection& conn, std::string_view subject_id,
                                       Purpose purpose) const {
  OPTIN_ASSIGN_OR_RETURN(auto statuses, Statuses(conn, subject_id));
  if (!statuses[static_cast<size_t>(Purpose::kPresence)].in_force()) return false;
  return statuses[static_cast<size_t>(purpose)].in_force();
}

std::string ConsentLedger::LanguageFor(std::string_view accept_language) const {
  return notices_ ? notices_->LanguageFor(accept_language) : std::string("en");
}

Result<ConsentReceipt> ConsentLedger::Apply(store::Connection& conn, std::string_view subject_id,
                                            std::span<const ConsentChange> changes,
                                            std::string_view collection_method,
                                            std::string_view language) const {
  const int64_t now = clock_.NowUnix();
  ConsentReceipt receipt;
  receipt.language = notices_ ? notices_->Resolve(language) : std::string("en");
  // The notice shown: kept alive until the receipt's purpose texts are taken from it.
  std::shared_ptr<const notices::Notice> notice = notices_ ? notices_->Current() : nullptr;
  const notices::NoticeText* shown = nullptr;
  if (notices_) {
    if (notice) {
      const notices::NoticeText* text = notice->Text(receipt.language);
      if (text == nullptr) {  // the store language has no text in this notice: its default
        receipt.language = notices_->default_language();
        text = notice->Text(receipt.language);
      }
      if (text != nullptr) {
        receipt.notice_version = notice->version;
        receipt.notice_sha256 = text->sha256;
        shown = text;
      }
    }
  }
  OPTIN_TRY(conn.Execute("INSERT OR IGNORE INTO subjects(id, created_at) VALUES (?, ?)", subject_id,
                         now));
  const int64_t expires = now + policy_.grant_lifetime.count();
  for (const ConsentChange& c : changes) {
    std::optional<int64_t> expiry;
    if (c.granted) expiry = expires;
    OPTIN_TRY(conn.Execute(
        "INSERT INTO consents(subject_id, purpose, granted, policy_version, changed_at, "
        "expires_at, notice_version, language) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(subject_id, purpose) DO UPDATE SET "
        "granted = excluded.granted, policy_version = excluded.policy_version, "
        "changed_at = excluded.changed_at, expires_at = excluded.expires_at, "
        "notice_version = excluded.notice_version, language = excluded.language",
        subject_id, ToString(c.purpose), c.granted, policy_.policy_version, now, expiry,
        receipt.notice_version, receipt.language));
    for (const auto& hook : hooks_) OPTIN_TRY(hook(conn, subject_id, c.purpose, c.granted, now));
    OPTIN_TRY(privacy::AuditLog::Append(
        conn, now, "consent.changed",
        boost::json::object{{"purpose", ToString(c.purpose)},
                            {"state", c.granted ? "granted" : "withdrawn"},
                            {"policy_version", policy_.policy_version},
                            {"method", collection_method}},
        subject_id));
  }
  receipt.id = signer_.NewReceiptId();
  receipt.issued_at = now;
  OPTIN_ASSIGN_OR_RETURN(receipt.purposes, Statuses(conn, subject_id));
  receipt.payload = ReceiptPayload(receipt, subject_id, collection_method, changes);
  if (shown != nullptr) UseNoticeWords(receipt.payload, *shown);
  OPTIN_ASSIGN_OR_RETURN(receipt.jws, signer_.Sign("consent-receipt+jws", receipt.payload));
  OPTIN_TRY(conn.Execute("INSERT INTO receipts(id, subject_id, issued_at, jws) VALUES (?, ?, ?, ?)",
                         receipt.id, subject_id, now, receipt.jws));
  return receipt;
}

boost::json::object ConsentLedger::ReceiptPayload(const ConsentReceipt& receipt,
                                                  std::string_view subject_id,
                                                  std::string_view collection_method,
                                                  std::span<const ConsentChange> changes) const {
  const int64_t now = receipt.issued_at;
  const std::string_view receipt_id = receipt.id;
  boost::json::array purposes;
  for (const PurposeStatus& s : receipt.purposes) {
    const PurposeInfo& info = Info(s.purpose);
    std::string termination;
    if (s.state == ConsentState::kGranted && s.expires_at) {
      termination =
          notices::ApiTexts::Render(receipt.language, "receipt.until",
                                    {{"until", platform::FormatIso8601Utc(*s.expires_at)}});
    } else {
      termination = notices::ApiTexts::Render(receipt.language, "receipt.not-in-force");
    }
    purposes.push_back(boost::json::object{
        {"purposeId", info.id},
        {"purpose", info.description},
        {"purposeCategory", boost::json::array{info.purpose_category}},
        {"consentType", "EXPLICIT"},
        {"piiCategory", boost::json::array{info.pii_category}},
        {"primaryPurpose", s.purpose == Purpose::kPresence},
        {"termination", termination},
        {"thirdPartyDisclosure", false},
        {"state", ToString(s.state)},
    });
  }
  boost::json::array changed;
  for (const ConsentChange& c : changes) {
    changed.push_back(boost::json::object{{"purposeId", ToString(c.purpose)},
                                          {"state", c.granted ? "granted" : "withdrawn"}});
  }
  boost::json::object controller{
      {"piiController", controller_.name},    {"onBehalf", false},
      {"contact", controller_.contact_email}, {"address", controller_.address},
      {"email", controller_.contact_email},   {"storeId", controller_.store_id}};
  boost::json::object payload{
      {"version", "KI-CR-v1.1.0"},
      {"jurisdiction", controller_.jurisdiction},
      {"consentTimestamp", now},
      {"collectionMethod", collection_method},
      {"consentReceiptID", receipt_id},
      {"publicKey", signer_.key_id()},
      {"language", receipt.language},
      {"piiPrincipalId", subject_id},
      {"piiControllers", boost::json::array{std::move(controller)}},
      {"policyUrl", controller_.policy_url},
      {"policyVersion", policy_.policy_version},
      {"services",
       boost::json::array{boost::json::object{{"service", "In-store personalization (optin-edge)"},
                                              {"purposes", std::move(purposes)}}}},
      {"changes", std::move(changed)},
      {"sensitive", false},
      {"spiCat", boost::json::array{}},
  };
  // The notice shown, so that the text can be proved: GET /v1/notices/{notice_version}?lang=
  // {language} serves the bytes whose SHA-256 is notice_sha256.
  if (receipt.notice_version) {
    payload["notice_version"] = *receipt.notice_version;
    payload["notice_sha256"] = receipt.notice_sha256;
  }
  return payload;
}

Result<std::vector<ConsentReceipt>> ConsentLedger::Receipts(store::Connection& conn,
                                                            std::string_view subject_id) const {
  OPTIN_ASSIGN_OR_RETURN(auto stmt, conn.Prepare("SELECT id, issued_at, jws FROM receipts "
                                                 "WHERE subject_id = ? ORDER BY issued_at, rowid"));
  stmt.BindAll(subject_id);
  std::vector<ConsentReceipt> out;
  while (true) {
    OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    ConsentReceipt r;
    r.id = stmt.ColumnText(0);
    r.issued_at = stmt.ColumnInt(1);
    r.jws = stmt.ColumnText(2);
    auto parsed = privacy::ParseJws(r.jws);
    if (parsed) r.payload = std::move(parsed->payload);
    if (const auto* l = r.payload.if_contains("language"); l && l->is_string()) {
      r.language = std::string(l->as_string());
    }
    if (const auto* v = r.payload.if_contains("notice_version"); v && v->is_int64()) {
      r.notice_version = v->as_int64();
    }
    if (const auto* h = r.payload.if_contains("notice_sha256"); h && h->is_string()) {
      r.notice_sha256 = std::string(h->as_string());
    }
    out.push_back(std::move(r));
  }
  return out;
}

Result<int64_t> ConsentLedger::PurgeExpired(store::Connection& conn) const {
  const int64_t now = clock_.NowUnix();
  struct Expired {
    std::string subject;
    Purpose purpose;
  };
  std::vector<Expired> expired;
  {
    OPTIN_ASSIGN_OR_RETURN(auto stmt,
                           conn.Prepare("SELECT subject_id, purpose FROM consents "
                                        "WHERE expires_at IS NOT NULL AND expires_at <= ?"));
    stmt.BindAll(now);
    while (true) {
      OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      if (auto p = ParsePurpose(stmt.ColumnText(1))) expired.push_back({stmt.ColumnText(0), *p});
    }
  }
  for (const Expired& e : expired) {
    OPTIN_TRY(conn.Execute("DELETE FROM consents WHERE subject_id = ? AND purpose = ?", e.subject,
                           ToString(e.purpose)));
    for (const auto& hook : hooks_) OPTIN_TRY(hook(conn, e.subject, e.purpose, false, now));
  }
  return static_cast<int64_t>(expired.size());
}

}  // namespace optin::consent
