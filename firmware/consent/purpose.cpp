#include "consent/purpose.h"

namespace optin::consent {
namespace {

constexpr std::array<PurposeInfo, 6> kInfo = {{
    {Purpose::kPresence, "presence",
     "Knowing you are in the store for this visit. Needed for everything else.", "Core Function",
     "visit presence (no location trace)"},
    {Purpose::kOffers, "offers", "Choosing offers from the interests you told us about.",
     "Personalized Experience", "declared interests and expertise"},
    {Purpose::kAssistance, "assistance", "Sending your help requests to store staff.",
     "Contact Requested", "help topic, expertise level and your note"},
    {Purpose::kNameToStaff, "name_to_staff",
     "Showing your first name to the staff member who comes to help you.", "Contact Requested",
     "first name"},
    {Purpose::kHistory, "history", "Remembering your interests and past visits across visits.",
     "Personalized Experience", "declared interests and visit history"},
    {Purpose::kHqAggregates, "hq_aggregates",
     "Counting your visit in anonymous, noised totals sent to headquarters. No personal record "
     "ever leaves the store.",
     "Improve Performance", "visit counts (aggregated)"},
}};

}  // namespace

const PurposeInfo& Info(Purpose p) { return kInfo[static_cast<size_t>(p)]; }

std::string_view ToString(Purpose p) { return Info(p).id; }

std::optional<Purpose> ParsePurpose(std::string_view id) {
  for (const auto& info : kInfo) {
    if (info.id == id) return info.purpose;
  }
  return std::nullopt;
}

}  // namespace optin::consent
