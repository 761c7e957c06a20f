// Check-in by loyalty scan at the kiosk: the loyalty QR carries a short-lived JWT signed ES256
// by HQ (sub, aud = this store, exp, jti, and the purposes the shopper chose in the app). The
// scan goes through the check-in desk (CheckInDesk: verified offline, jti consumed, exactly the
// claimed purposes, channel "loyalty_scan", the scanner itself proving presence); this class
// only translates the outcome into what the kiosk and the indicator may learn.
// ScanCheckIn is immutable; thread-safe (Submit from any thread).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "visits/check_in_desk.h"

namespace optin::visits {

// What the kiosk (indicator LED, later the kiosk page) learns about a scan. Carries no loyalty
// id, token or subject: only the visit's random friendly pseudonym.
struct ScanCheckInResult {
  bool accepted = false;
  std::string reason;                 // "checked-in", or a refusal slug ("token-expired", ...)
  std::string visit_pseudonym;        // when accepted
  std::vector<std::string> purposes;  // purposes in force after the check-in, when accepted
};

class ScanCheckIn {
 public:
  explicit ScanCheckIn(const CheckInDesk& desk) : desk_(desk) {}

  // Checks the shopper in from one scan's text, read by the scanner named `scanner`. `done`
  // runs exactly once: at once on the caller's thread when the scan is refused before any
  // write (not a loyalty code, forged, expired, another store's), otherwise on the database
  // writer's thread after the check-in is durable or refused (replay, database error).
  void Submit(std::string_view scan_text, std::function<void(ScanCheckInResult)> done,
              std::string_view scanner = {}) const;

  // The kiosk's view of a check-in's outcome.
  static ScanCheckInResult Outcome(const Result<CheckInResult>& result);

 private:
  const CheckInDesk& desk_;
};

}  // namespace optin::visits
