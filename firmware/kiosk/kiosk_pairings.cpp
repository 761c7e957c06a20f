#include "kiosk/kiosk_pairings.h"

#include <boost/json/object.hpp>

#include "platform/crypto.h"
#include "platform/encoding.h"
#include "privacy/audit_log.h"

namespace optin::kiosk {
namespace {

constexpr std::string_view kLinkPrefix = "kp_";
constexpr std::string_view kCredentialPrefix = "kc_";
constexpr size_t kSecretBytes = 32;
constexpr size_t kMaxName = 32;

// "kp_"/"kc_" + base64url of 32 bytes, or false.
bool WellFormed(std::string_view secret, std::string_view prefix) {
  if (!secret.starts_with(prefix) || secret.size() > 64) return false;
  auto raw = platform::Base64UrlDecode(secret.substr(prefix.size()));
  return raw && raw->size() == kSecretBytes;
}

std::unexpected<Error> InvalidLink() {
  return Fail(ErrorCode::kUnauthenticated,
              "This pairing link is unknown, was already used, has expired or its kiosk was "
              "revoked. On the box, run `optinctl kiosk pair --name NAME` for a new one and open "
              "it on the kiosk within 10 minutes.",
              {}, "kiosk-pairing-invalid");
}

std::optional<int64_t> OptionalInt(const store::Statement& stmt, int col) {
  if (stmt.ColumnIsNull(col)) return std::nullopt;
  return stmt.ColumnInt(col);
}

}  // namespace

std::string_view ToString(KioskState state) {
  switch (state) {
    case KioskState::kPending:
      return "pending";
    case KioskState::kExpired:
      return "expired";
    case KioskState::kPaired:
      return "paired";
    case KioskState::kRevoked:
      return "revoked";
  }
  return "pending";
}

KioskPairings::KioskPairings(const platform::Clock& clock, platform::Random& random,
                             const privacy::Pseudonymizer& pseudonymizer,
                             std::chrono::seconds link_lifetime)
    : clock_(clock),
      random_(random),
      pseudonymizer_(pseudonymizer),
      link_lifetime_(link_lifetime) {}

Status KioskPairings::CheckName(std::string_view name, std::string_view field) {
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  bool ok = !name.empty() && name.size() <= kMaxName && alnum(name.front());
  for (char c : name) ok = ok && (alnum(c) || c == '-' || c == '_' || c == '.');
  if (ok) return Ok();
  return Fail(ErrorCode::kInvalidArgument,
              "A kiosk name is 1 to 32 characters: lowercase letters, digits, '-', '_' and '.', "
              "starting with a letter or digit (e.g. entrance).",
              std::string(field), "invalid-kiosk-name");
}

std::string KioskPairings::LinkHash(std::string_view token) const {
  return pseudonymizer_.TokenHash("kiosk-link:" + std::string(token));
}

std::string KioskPairings::CredentialHash(std::string_view credential) const {
  if (!WellFormed(credential, kCredentialPrefix)) return {};
  return pseudonymizer_.TokenHash("kiosk-credential:" + std::string(credential));
}

Result<KioskPairingLink> KioskPairings::CreateLink(store::Connection& conn,
                                                   std::string_view name) const {
  OPTIN_TRY(CheckName(name));
  const int64_t now = clock_.NowUnix();
  OPTIN_ASSIGN_OR_RETURN(auto stmt,
                         conn.Prepare("SELECT credential_hash IS NOT NULL AND revoked_at IS NULL "
                                      "FROM kiosks WHERE name = ?"));
  stmt.BindAll(name);
  OPTIN_ASSIGN_OR_RETURN(bool exists, stmt.Step());
  if (exists && stmt.ColumnInt(0) != 0) {
    return Fail(ErrorCode::kConflict,
                "The kiosk '" + std::string(name) +
                    "' is paired already. Revoke it first (optinctl kiosk revoke " +
                    std::string(name) + ") or choose another name.",
                "name", "kiosk-already-paired");
  }
  KioskPairingLink link;
  link.name = std::string(name);
  link.token = std::string(kLinkPrefix) + platform::Base64UrlEncode(random_.Bytes(kSecretBytes));
  link.expires_at = now + link_lifetime_.count();
  OPTIN_TRY(conn.Execute(
      "INSERT INTO kiosks(name, link_hash, link_expires_at, credential_hash, created_at, "
      "paired_at, revoked_at) VALUES (?, ?, ?, NULL, ?, NULL, NULL) "
      "ON CONFLICT(name) DO UPDATE SET link_hash = excluded.link_hash, "
      "link_expires_at = excluded.link_expires_at, credential_hash = NULL, "
      "created_at = excluded.created_at, paired_at = NULL, revoked_at = NULL",
      name, store::Blob{LinkHash(link.token)}, link.expires_at, now));
  OPTIN_TRY(privacy::AuditLog::Append(
      conn, now, "kiosk.pairing_link",
      boost::json::object{{"kiosk", link.name}, {"expires_at", link.expires_at}}));
  return link;
}

Result<PairedKiosk> KioskPairings::Redeem(store::Connection& conn, std::string_view token) const {
  if (!WellFormed(token, kLinkPrefix)) return InvalidLink();
  const std::string hash = LinkHash(token);
  const int64_t now = clock_.NowUnix();
  OPTIN_ASSIGN_OR_RETURN(auto stmt,
                         conn.Prepare("SELECT name, link_hash FROM kiosks WHERE link_hash = ? "
                                      "AND link_expires_at > ? AND revoked_at IS NULL"));
  stmt.BindAll(store::Blob{hash}, now);
  OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row || !platform::ConstantTimeEquals(stmt.ColumnBlob(1), hash)) return InvalidLink();
  PairedKiosk paired;
  paired.name = stmt.ColumnText(0);
  paired.credential =
      std::string(kCredentialPrefix) + platform::Base64UrlEncode(random_.Bytes(kSecretBytes));
  // The link is spent in the same transaction that pairs: a second opening finds nothing.
  OPTIN_TRY(conn.Execute(
      "UPDATE kiosks SET link_hash = NULL, link_expires_at = NULL, credential_hash = ?, "
      "paired_at = ? WHERE name = ?",
      store::Blob{CredentialHash(paired.credential)}, now, paired.name));
  OPTIN_TRY(privacy::AuditLog::Append(conn, now, "kiosk.paired",
                                      boost::json::object{{"kiosk", paired.name}}));
  return paired;
}

Result<std::vector<KioskRecord>> KioskPairings::List(store::Connection& conn) const {
  const int64_t now = clock_.NowUnix();
  OPTIN_ASSIGN_OR_RETURN(auto stmt, conn.Prepare("SELECT name, created_at, link_expires_at, "
                                                 "paired_at, revoked_at, credential_hash IS NULL "
                                                 "FROM kiosks ORDER BY name"));
  std::vector<KioskRecord> out;
  while (true) {
    OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    KioskRecord r;
    r.name = stmt.ColumnText(0);
    r.created_at = stmt.ColumnInt(1);
    r.link_expires_at = OptionalInt(stmt, 2);
    r.paired_at = OptionalInt(stmt, 3);
    r.revoked_at = OptionalInt(stmt, 4);
    const bool unpaired = stmt.ColumnInt(5) != 0;
    if (r.revoked_at) {
      r.state = KioskState::kRevoked;
    } else if (!unpaired) {
      r.state = KioskState::kPaired;
    } else {
      r.state = (r.link_expires_at && *r.link_expires_at > now) ? KioskState::kPending
                                                                : KioskState::kExpired;
    }
    out.push_back(std::move(r));
  }
  return out;
}

Status KioskPairings::Revoke(store::Connection& conn, std::string_view name) const {
  const int64_t now = clock_.NowUnix();
  OPTIN_ASSIGN_OR_RETURN(auto stmt, conn.Prepare("SELECT revoked_at IS NOT NULL FROM kiosks "
                                                 "WHERE name = ?"));
  stmt.BindAll(name);
  OPTIN_ASSIGN_OR_RETURN(bool exists, stmt.Step());
  if (!exists) {
    return Fail(ErrorCode::kNotFound,
                "There is no kiosk named '" + std::string(name) + "' (optinctl kiosk list).",
                "name", "kiosk-not-found");
  }
  if (stmt.ColumnInt(0) != 0) return Ok();  // revoked already: nothing changes
  OPTIN_TRY(
      conn.Execute("UPDATE kiosks SET revoked_at = ?, link_hash = NULL, "
                   "link_expires_at = NULL, credential_hash = NULL WHERE name = ?",
                   now, name));
  OPTIN_TRY(privacy::AuditLog::Append(conn, now, "kiosk.revoked",
                                      boost::json::object{{"kiosk", std::string(name)}}));
  return Ok();
}

Result<std::map<std::string, std::string>> KioskPairings::Active(store::Connection& conn) const {
  OPTIN_ASSIGN_OR_RETURN(auto stmt, conn.Prepare("SELECT credential_hash, name FROM kiosks "
                                                 "WHERE credential_hash IS NOT NULL AND "
                                                 "revoked_at IS NULL"));
  std::map<std::string, std::string> out;
  while (true) {
    OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    out.emplace(stmt.ColumnBlob(0), stmt.ColumnText(1));
  }
  return out;
}

}  // namespace optin::kiosk
