// A help request as the two sides see it: the shopper (their own request, with its state and a
// rough wait) and staff (the prompt: visit pseudonym, topic, expertise, note, waiting time and
// the first name only under `name_to_staff`; never a loyalty id or anything else about the
// shopper). Plain value types and pure functions; thread-compatible.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace optin::assist {

enum class RequestState { kWaiting, kClaimed, kResolved, kCancelled, kRetracted };
std::string_view ToString(RequestState state);
std::optional<RequestState> ParseRequestState(std::string_view text);
// Waiting or claimed: on the staff queue.
inline bool IsLive(RequestState s) {
  return s == RequestState::kWaiting || s == RequestState::kClaimed;
}

enum class StaffRole { kAssociate, kManager };
std::string_view ToString(StaffRole role);
std::optional<StaffRole> ParseStaffRole(std::string_view text);

// What the shopper sends (already validated by HelpDesk::Validate).
struct NewHelpRequest {
  std::string topic;
  std::string expertise;  // beginner | intermediate | expert
  std::optional<std::string> note;
  std::optional<std::string> first_name;
};

struct HelpRequest {
  std::string id;
  std::string visit_id;
  std::string topic;
  std::string expertise;
  std::optional<std::string> note;        // decrypted; empty once the request has closed
  std::optional<std::string> first_name;  // decrypted; present only when it may be shown
  RequestState state = RequestState::kWaiting;
  int64_t created_at = 0;
  std::optional<int64_t> claimed_at;
  std::optional<std::string> claimed_by;  // staff id
  std::optional<StaffRole> claimed_role;
  std::optional<int64_t> resolved_at;
  std::optional<int64_t> closed_at;  // cancelled or retracted
};

// A live prompt as staff see it.
struct Prompt {
  HelpRequest request;
  std::string pseudonym;  // the visit's, e.g. "Amber Heron"
};

// {"id","pseudonym","topic","expertise","note","first_name"?,"state","created_at",
//  "waiting_seconds","claimed_by"?: {"staff_id","role"},"claimed_at"?}
boost::json::object StaffView(const Prompt& prompt, int64_t now);

// The shopper's own view: state, topic, expertise, their note and name, times, and while
// waiting the queue position and a rough wait in minutes; when claimed, the staff role only.
struct ShopperView {
  HelpRequest request;
  std::optional<int64_t> queue_position;          // 1 = next, while waiting
  std::optional<int64_t> estimated_wait_minutes;  // rough, while waiting
};
boost::json::object ShopperJson(const ShopperView& view, int64_t now);

}  // namespace optin::assist
