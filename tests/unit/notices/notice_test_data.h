// Notices for the notices tests: the rules of a store offering the five built-in languages, and
// a valid notice document (the built-in texts under another controller) to break one member at
// a time. Header-only; not thread-safe.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "notices/builtin_notice.h"
#include "notices/notice.h"

namespace optin::notices::testing {

inline NoticeRules TestRules(std::vector<std::string> languages = {"en", "it", "es", "de", "fr"}) {
  return NoticeRules{
      std::move(languages),
      {"presence", "offers", "assistance", "name_to_staff", "history", "hq_aggregates"},
      0};
}

inline BuiltInFacts TestFacts(std::string store = "Test Store") {
  BuiltInFacts f;
  f.store = std::move(store);
  f.contact = "privacy@store.example";
  return f;
}

// {"version", "material", "controller", "texts"} as a notices file would hold it.
inline boost::json::object ValidNoticeJson(int64_t version = 2, bool material = false,
                                           std::string store = "Test Store") {
  auto builtin = BuiltInNotice(TestFacts(store), TestRules());
  boost::json::object texts;
  for (const auto& [lang, t] : builtin->texts) {
    boost::json::object d = t.document;
    d.erase("version");
    d.erase("language");
    d.erase("controller");
    texts[lang] = std::move(d);
  }
  return boost::json::object{
      {"version", version},
      {"material", material},
      {"controller",
       boost::json::object{
           {"store", store}, {"chain", "Test Chain"}, {"contact", "privacy@store.example"}}},
      {"texts", std::move(texts)}};
}

}  // namespace optin::notices::testing
