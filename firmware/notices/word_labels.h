// How the store's own words (its interests, its help topics) read in each of its languages, from
// the config's [store.interest_labels.<lang>] and [assist.topic_labels.<lang>]. The words stay
// the API's values; a label is only what a shopper or a staff member reads. Immutable value;
// thread-safe to read.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace optin::notices {

class WordLabels {
 public:
  // language -> word -> label
  using Table = std::map<std::string, std::map<std::string, std::string>, std::less<>>;

  WordLabels() = default;
  explicit WordLabels(Table labels) : labels_(std::move(labels)) {}

  // How `word` reads in `language`: its label there, else the word itself.
  const std::string& For(std::string_view language, const std::string& word) const;

 private:
  Table labels_;
};

}  // namespace optin::notices
