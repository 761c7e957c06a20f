#include "notices/notice_holder.h"

#include <utility>

#include "notices/language_match.h"

namespace optin::notices {

NoticeHolder::NoticeHolder(std::vector<std::string> languages)
    : languages_(languages.empty() ? std::vector<std::string>{"en"} : std::move(languages)) {}

std::shared_ptr<const Notice> NoticeHolder::Current() const {
  std::lock_guard lock(mu_);
  return in_force_.notice;
}

int64_t NoticeHolder::renew_before() const {
  std::lock_guard lock(mu_);
  return in_force_.renew_before;
}

void NoticeHolder::Install(NoticeInForce in_force) {
  NoticeInForce old;
  {
    std::lock_guard lock(mu_);
    old = std::exchange(in_force_, std::move(in_force));
  }
}

std::string NoticeHolder::LanguageFor(std::string_view accept_language) const {
  return PickLanguage(accept_language, languages_);
}

std::string NoticeHolder::Resolve(std::string_view language) const {
  for (const auto& l : languages_) {
    if (l == language) return l;
  }
  return languages_.front();
}

}  // namespace optin::notices
