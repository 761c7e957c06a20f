#include "notices/notice_text_choice.h"

#include <algorithm>
#include <vector>

#include "notices/language_match.h"
#include "notices/notice_store.h"

namespace optin::notices {

Result<ChosenNoticeText> ChooseNoticeText(store::Connection& conn, int64_t version,
                                          const std::optional<std::string>& language,
                                          std::string_view accept_language,
                                          std::span<const std::string> store_languages) {
  OPTIN_ASSIGN_OR_RETURN(auto available, NoticeStore::Languages(conn, version));
  if (available.empty()) {
    return Fail(ErrorCode::kNotFound,
                "There is no notice version " + std::to_string(version) + " on this box.", {},
                "notice-not-found");
  }
  std::string chosen;
  if (language) {
    if (std::find(available.begin(), available.end(), *language) == available.end()) {
      std::string list;
      for (const auto& a : available) list += (list.empty() ? "" : ", ") + a;
      return Fail(ErrorCode::kNotFound,
                  "Notice version " + std::to_string(version) + " has no text in '" + *language +
                      "'; it has: " + list + ".",
                  "lang", "notice-language-not-found");
    }
    chosen = *language;
  } else {
    // The store's languages first (its default leads), then any other the version has.
    std::vector<std::string> order;
    for (const auto& l : store_languages) {
      if (std::find(available.begin(), available.end(), l) != available.end()) {
        order.push_back(l);
      }
    }
    for (const auto& a : available) {
      if (std::find(order.begin(), order.end(), a) == order.end()) order.push_back(a);
    }
    chosen = PickLanguage(accept_language, order);
  }
  OPTIN_ASSIGN_OR_RETURN(auto text, NoticeStore::CanonicalText(conn, version, chosen));
  if (!text) {
    return Fail(ErrorCode::kNotFound, "The notice text is gone.", {}, "notice-not-found");
  }
  return ChosenNoticeText{std::move(chosen), std::move(*text)};
}

}  // namespace optin::notices
