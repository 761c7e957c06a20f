#include "assist/staff_console.h"

namespace optin::assist {
namespace {

// Ids the help desk hands out; anything else is no prompt, without a look in the database.
Status CheckPromptId(std::string_view id) {
  if (id.starts_with("h_") && id.size() <= 64) return Ok();
  return Fail(ErrorCode::kNotFound, "There is no prompt with this id.", {}, "prompt-not-found");
}

}  // namespace

Result<std::vector<Prompt>> StaffConsole::Queue(store::Connection& conn,
                                                std::string_view token) const {
  OPTIN_ASSIGN_OR_RETURN(StaffSession staff, sessions_.Authenticate(conn, token));
  return desk_.Queue(conn, staff);
}

Result<ClaimResult> StaffConsole::Claim(store::Connection& conn, std::string_view token,
                                        std::string_view id) const {
  OPTIN_ASSIGN_OR_RETURN(StaffSession staff, sessions_.Authenticate(conn, token));
  OPTIN_TRY(CheckPromptId(id));
  return desk_.Claim(conn, staff, id);
}

Result<Prompt> StaffConsole::Resolve(store::Connection& conn, std::string_view token,
                                     std::string_view id) const {
  OPTIN_ASSIGN_OR_RETURN(StaffSession staff, sessions_.Authenticate(conn, token));
  OPTIN_TRY(CheckPromptId(id));
  return desk_.Resolve(conn, staff, id);
}

}  // namespace optin::assist
