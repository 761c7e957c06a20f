#include "assist/staff_directory.h"

#include <boost/json/object.hpp>

#include "platform/crypto.h"
#include "privacy/audit_log.h"

namespace optin::assist {
namespace {

constexpr std::string_view kAccountColumns =
    "id, role, failed_logins, locked_until, created_at, pin_hash, pin_salt, pin_iterations";

struct Row {
  StaffAccount account;
  std::string pin_hash;
  std::string pin_salt;
  unsigned iterations = 0;
};

Row ReadRow(const store::Statement& s) {
  Row r;
  r.account.id = s.ColumnText(0);
  r.account.role = ParseStaffRole(s.ColumnText(1)).value_or(StaffRole::kAssociate);
  r.account.failed_logins = s.ColumnInt(2);
  if (!s.ColumnIsNull(3)) r.account.locked_until = s.ColumnInt(3);
  r.account.created_at = s.ColumnInt(4);
  r.pin_hash = s.ColumnBlob(5);
  r.pin_salt = s.ColumnBlob(6);
  r.iterations = static_cast<unsigned>(s.ColumnInt(7));
  return r;
}

Result<std::optional<Row>> LoadRow(store::Connection& conn, std::string_view id) {
  OPTIN_ASSIGN_OR_RETURN(auto stmt, conn.Prepare("SELECT " + std::string(kAccountColumns) +
                                                 " FROM staff WHERE id = ?"));
  stmt.BindAll(id);
  OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return std::optional<Row>();
  return std::optional<Row>(ReadRow(stmt));
}

std::unexpected<Error> NotFound() {
  return Fail(ErrorCode::kNotFound, "There is no staff account with this id.", {},
              "staff-not-found");
}

}  // namespace

StaffDirectory::StaffDirectory(const platform::Clock& clock, platform::Random& random,
                               unsigned pin_iterations)
    : clock_(clock),
      random_(random),
      pin_iterations_(pin_iterations),
      dummy_salt_(random.Bytes(kSaltBytes)) {}

Status StaffDirectory::CheckStaffId(std::string_view id, std::string_view field) {
  if (id.size() < 2 || id.size() > 32) {
    return Fail(ErrorCode::kInvalidArgument, "A staff id is 2 to 32 characters long.",
                std::string(field), "invalid-staff-id");
  }
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) {
      return Fail(ErrorCode::kInvalidArgument,
                  "A staff id may hold only letters, digits, '.', '_' and '-'.", std::string(field),
                  "invalid-staff-id");
    }
  }
  return Ok();
}

Status StaffDirectory::CheckPin(std::string_view pin, std::string_view field) {
  bool digits = !pin.empty();
  for (char c : pin) digits = digits && c >= '0' && c <= '9';
  if (!digits || pin.size() < 4 || pin.size() > 12) {
    return Fail(ErrorCode::kInvalidArgument, "A PIN is 4 to 12 digits.", std::string(field),
                "invalid-pin");
  }
  return Ok();
}

Result<std::string> StaffDirectory::HashPin(std::string_view pin, std::string_view salt,
                                            unsigned iterations) {
  return platform::Pbkdf2Sha256(pin, salt, iterations, kHashBytes);
}

Status StaffDirectory::Add(store::Connection& conn, std::string_view id, StaffRole role,
                           std::string_view pin) const {
  OPTIN_TRY(CheckStaffId(id, "id"));
  OPTIN_TRY(CheckPin(pin, "pin"));
  OPTIN_ASSIGN_OR_RETURN(auto existing, LoadRow(conn, id));
  if (existing) {
    return Fail(ErrorCode::kConflict, "A staff account with this id already exists.", "id",
                "staff-exists");
  }
  const std::string salt = random_.Bytes(kSaltBytes);
  OPTIN_ASSIGN_OR_RETURN(std::string hash, HashPin(pin, salt, pin_iterations_));
  const int64_t now = clock_.NowUnix();
  OPTIN_TRY(
      conn.Execute("INSERT INTO staff(id, role, pin_hash, pin_salt, pin_iterations, failed_logins, "
                   "locked_until, created_at) VALUES (?, ?, ?, ?, ?, 0, NULL, ?)",
                   id, ToString(role), store::Blob{hash}, store::Blob{salt},
                   static_cast<int64_t>(pin_iterations_), now));
  return privacy::AuditLog::Append(conn, now, "staff.added",
                                   boost::json::object{{"role", ToString(role)}});
}

Status StaffDirectory::Remove(store::Connection& conn, std::string_view id) const {
  OPTIN_ASSIGN_OR_RETURN(auto existing, LoadRow(conn, id));
  if (!existing) return NotFound();
  OPTIN_TRY(conn.Execute("DELETE FROM staff WHERE id = ?", id));  // sessions cascade
  return privacy::AuditLog::Append(conn, clock_.NowUnix(), "staff.removed",
                                   boost::json::object{{"role", ToString(existing->account.role)}});
}

Status StaffDirectory::ResetPin(store::Connection& conn, std::string_view id,
                                std::string_view pin) const {
  OPTIN_TRY(CheckPin(pin, "pin"));
  OPTIN_ASSIGN_OR_RETURN(auto existing, LoadRow(conn, id));
  if (!existing) return NotFound();
  const std::string salt = random_.Bytes(kSaltBytes);
  OPTIN_ASSIGN_OR_RETURN(std::string hash, HashPin(pin, salt, pin_iterations_));
  OPTIN_TRY(conn.Execute(
      "UPDATE staff SET pin_hash = ?, pin_salt = ?, pin_iterations = ?, failed_logins = 0, "
      "locked_until = NULL WHERE id = ?",
      store::Blob{hash}, store::Blob{salt}, static_cast<int64_t>(pin_iterations_), id));
  OPTIN_TRY(conn.Execute("DELETE FROM staff_sessions WHERE staff_id = ?", id));
  return privacy::AuditLog::Append(conn, clock_.NowUnix(), "staff.pin_reset",
                                   boost::json::object{{"role", ToString(existing->account.role)}});
}

Result<std::vector<StaffAccount>> StaffDirectory::List(store::Connection& conn) const {
  OPTIN_ASSIGN_OR_RETURN(auto stmt, conn.Prepare("SELECT " + std::string(kAccountColumns) +
                                                 " FROM staff ORDER BY id"));
  std::vector<StaffAccount> out;
  while (true) {
    OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    out.push_back(ReadRow(stmt).account);
  }
  return out;
}

Result<std::optional<StaffAccount>> StaffDirectory::Find(store::Connection& conn,
                                                         std::string_view id) const {
  OPTIN_ASSIGN_OR_RETURN(auto row, LoadRow(conn, id));
  if (!row) return std::optional<StaffAccount>();
  return std::optional<StaffAccount>(std::move(row->account));
}

Result<PinCheck> StaffDirectory::CheckPinFor(store::Connection& conn, std::string_view id,
                                             std::string_view pin) const {
  PinCheck check;
  std::optional<Row> row;
  if (CheckStaffId(id) && CheckPin(pin)) {
    OPTIN_ASSIGN_OR_RETURN(row, LoadRow(conn, id));
  }
  if (!row) {
    // The same work as a real check, so that an unknown id answers no faster: a hash of the
    // PIN under a dummy salt at the current iteration count, compared in constant time with a
    // hash it never equals.
    pin_work_.fetch_add(pin_iterations_, std::memory_order_relaxed);
    OPTIN_ASSIGN_OR_RETURN(std::string ignored, HashPin(pin, dummy_salt_, pin_iterations_));
    (void)platform::ConstantTimeEquals(ignored, std::string(kHashBytes, '\0'));
    return check;
  }
  const unsigned iterations = row->iterations > 0 ? row->iterations : 1;
  pin_work_.fetch_add(iterations, std::memory_order_relaxed);
  OPTIN_ASSIGN_OR_RETURN(std::string computed, HashPin(pin, row->pin_salt, iterations));
  check.matches = platform::ConstantTimeEquals(computed, row->pin_hash);
  check.pin_hash = std::move(row->pin_hash);
  check.account = std::move(row->account);
  return check;
}

}  // namespace optin::assist
