// The notice in force, in memory, for the request paths: the consent ledger (which version and
// text a receipt names, which grants need renewal) and the API (the texts of GET /v1/store).
// A reload replaces it whole. Thread-safe: Current() from many threads, Install from any.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "notices/notice.h"
#include "notices/notice_store.h"

namespace optin::notices {

class NoticeHolder {
 public:
  // `languages`: the store's ([store] languages), the first being its default; non-empty.
  explicit NoticeHolder(std::vector<std::string> languages = {"en"});

  // The notice in force, or null before one is installed.
  std::shared_ptr<const Notice> Current() const;
  // The newest material version up to the one in force (0: none).
  int64_t renew_before() const;
  void Install(NoticeInForce in_force);

  const std::vector<std::string>& languages() const { return languages_; }
  const std::string& default_language() const { return languages_.front(); }
  // The store language to answer in for an Accept-Language header (see PickLanguage).
  std::string LanguageFor(std::string_view accept_language) const;
  // `language` if the store offers it, else the default.
  std::string Resolve(std::string_view language) const;

 private:
  const std::vector<std::string> languages_;
  mutable std::mutex mu_;
  NoticeInForce in_force_;  // GUARDED_BY(mu_)
};

}  // namespace optin::notices
