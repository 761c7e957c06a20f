// The notice the box ships with, written for it in English, Italian, Spanish, German and
// French: plain words, the short version first (one phone screen), the details one tap away,
// and only what the box really does (its retention periods come from the config). Used while
// no notices file or bundle is installed. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "notices/notice.h"
#include "platform/error.h"

namespace optin::notices {

// What the built-in texts state, from the config.
struct BuiltInFacts {
  std::string store;    // [store] name
  std::string chain;    // may be empty
  std::string contact;  // [store] contact_email; empty: "ask staff in the store"
  std::string address;
  int64_t visit_max_minutes = 240;
  int64_t ended_visit_hours = 24;
  int64_t history_days = 180;
  int64_t consent_days = 365;
  int64_t hq_period_minutes = 60;
};

// The languages with a built-in text: en, it, es, de, fr.
std::vector<std::string> BuiltInLanguages();
bool HasBuiltInText(std::string_view language);

// The built-in notice (version 1, not material, source "built-in") in every built-in language,
// validated as a file would be against `rules` (so a store language without a built-in text is
// refused, naming it).
Result<Notice> BuiltInNotice(const BuiltInFacts& facts, const NoticeRules& rules);

}  // namespace optin::notices
