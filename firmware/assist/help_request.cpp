#include "assist/help_request.h"

#include <algorithm>

namespace optin::assist {

std::string_view ToString(RequestState state) {
  switch (state) {
    case RequestState::kWaiting:
      return "waiting";
    case RequestState::kClaimed:
      return "claimed";
    case RequestState::kResolved:
      return "resolved";
    case RequestState::kCancelled:
      return "cancelled";
    case RequestState::kRetracted:
      return "retracted";
  }
  return "waiting";
}

std::optional<RequestState> ParseRequestState(std::string_view text) {
  for (RequestState s : {RequestState::kWaiting, RequestState::kClaimed, RequestState::kResolved,
                         RequestState::kCancelled, RequestState::kRetracted}) {
    if (ToString(s) == text) return s;
  }
  return std::nullopt;
}

std::string_view ToString(StaffRole role) {
  return role == StaffRole::kManager ? "manager" : "associate";
}

std::optional<StaffRole> ParseStaffRole(std::string_view text) {
  if (text == "associate") return StaffRole::kAssociate;
  if (text == "manager") return StaffRole::kManager;
  return std::nullopt;
}

boost::json::object StaffView(const Prompt& prompt, int64_t now) {
  const HelpRequest& r = prompt.request;
  boost::json::object o{{"id", r.id},
                        {"pseudonym", prompt.pseudonym},
                        {"topic", r.topic},
                        {"expertise", r.expertise},
                        {"state", ToString(r.state)},
                        {"created_at", r.created_at},
                        {"waiting_seconds", std::max<int64_t>(0, now - r.created_at)}};
  o["note"] = r.note ? boost::json::value(*r.note) : boost::json::value(nullptr);
  if (r.first_name) o["first_name"] = *r.first_name;
  if (r.claimed_by) {
    o["claimed_by"] = boost::json::object{
        {"staff_id", *r.claimed_by},
        {"role", r.claimed_role ? ToString(*r.claimed_role) : std::string_view("associate")}};
  }
  if (r.claimed_at) o["claimed_at"] = *r.claimed_at;
  if (r.resolved_at) o["resolved_at"] = *r.resolved_at;
  return o;
}

boost::json::object ShopperJson(const ShopperView& view, int64_t now) {
  const HelpRequest& r = view.request;
  boost::json::object o{{"id", r.id},
                        {"state", ToString(r.state)},
                        {"topic", r.topic},
                        {"expertise", r.expertise},
                        {"created_at", r.created_at}};
  o["note"] = r.note ? boost::json::value(*r.note) : boost::json::value(nullptr);
  if (r.first_name) o["first_name"] = *r.first_name;
  if (IsLive(r.state)) o["waited_seconds"] = std::max<int64_t>(0, now - r.created_at);
  if (view.queue_position) o["queue_position"] = *view.queue_position;
  if (view.estimated_wait_minutes) o["estimated_wait_minutes"] = *view.estimated_wait_minutes;
  if (r.claimed_at) {
    o["claimed_at"] = *r.claimed_at;
    // Who is coming, by role only: the shopper does not need the staff login id.
    o["staff_role"] = r.claimed_role ? ToString(*r.claimed_role) : std::string_view("associate");
  }
  if (r.resolved_at) o["resolved_at"] = *r.resolved_at;
  if (r.closed_at) o["closed_at"] = *r.closed_at;
  return o;
}

}  // namespace optin::assist
