#include "visits/scan_check_in.h"

#include <utility>

namespace optin::visits {

ScanCheckInResult ScanCheckIn::Outcome(const Result<CheckInResult>& result) {
  ScanCheckInResult out;
  if (!result) {
    out.reason = result.error().reason.empty() ? "refused" : result.error().reason;
    return out;
  }
  out.accepted = true;
  out.reason = "checked-in";
  out.visit_pseudonym = result->visit.pseudonym;
  for (const consent::PurposeStatus& s : result->receipt.purposes) {
    if (s.in_force()) out.purposes.emplace_back(consent::ToString(s.purpose));
  }
  return out;
}

void ScanCheckIn::Submit(std::string_view scan_text, std::function<void(ScanCheckInResult)> done,
                         std::string_view scanner) const {
  desk_.Submit(CheckInInput{.credential = LoyaltyScan{std::string(scan_text)},
                            .presence = ScannedHere{std::string(scanner)}},
               [done = std::move(done)](Result<CheckInResult> r) { done(Outcome(r)); });
}

}  // namespace optin::visits
