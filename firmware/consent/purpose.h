// The six purposes a shopper can consent to (PRODUCT.md), each off by default, with the words
// shown to shoppers and the Kantara categories used in receipts. Constants; thread-safe.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace optin::consent {

enum class Purpose { kPresence, kOffers, kAssistance, kNameToStaff, kHistory, kHqAggregates };

inline constexpr std::array kAllPurposes = {Purpose::kPresence,   Purpose::kOffers,
                                            Purpose::kAssistance, Purpose::kNameToStaff,
                                            Purpose::kHistory,    Purpose::kHqAggregates};

struct PurposeInfo {
  Purpose purpose;
  std::string_view id;                // "name_to_staff", as in the API
  std::string_view description;       // for shoppers, plain words
  std::string_view purpose_category;  // Kantara CR v1.1 purposeCategory
  std::string_view pii_category;      // what data it uses
};

const PurposeInfo& Info(Purpose p);
std::string_view ToString(Purpose p);
std::optional<Purpose> ParsePurpose(std::string_view id);

}  // namespace optin::consent
