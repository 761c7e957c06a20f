#include "notices/word_labels.h"

namespace optin::notices {

const std::string& WordLabels::For(std::string_view language, const std::string& word) const {
  const auto in = labels_.find(language);
  if (in == labels_.end()) return word;
  const auto label = in->second.find(word);
  return label == in->second.end() ? word : label->second;
}

}  // namespace optin::notices
