#include "notices/language_match.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <vector>

namespace optin::notices {
namespace {

constexpr size_t kMaxHeaderBytes = 1024;
constexpr size_t kMaxRanges = 32;

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAlnum(char c) { return IsAlpha(c) || (c >= '0' && c <= '9'); }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A language range of an Accept-Language header: 1*8ALPHA *("-" 1*8alphanum), or "*".
bool IsRange(std::string_view r) {
  if (r == "*") return true;
  if (r.empty() || r.size() > 64) return false;
  size_t start = 0;
  bool first = true;
  while (true) {
    size_t dash = r.find('-', start);
    std::string_view part = r.substr(start, dash == std::string_view::npos ? r.npos : dash - start);
    if (part.empty() || part.size() > 8) return false;
    for (char c : part) {
      if (first ? !IsAlpha(c) : !IsAlnum(c)) return false;
    }
    first = false;
    if (dash == std::string_view::npos) return true;
    start = dash + 1;
  }
}

// "q=0.8" -> 800; nullopt when malformed (RFC 9110 qvalue: 0[.ddd] or 1[.000]).
std::optional<int> ParseQ(std::string_view param) {
  param = Trim(param);
  if (param.size() < 3 || (param[0] != 'q' && param[0] != 'Q') || param[1] != '=') {
    return std::nullopt;
  }
  std::string_view v = param.substr(2);
  if (v.empty() || (v[0] != '0' && v[0] != '1')) return std::nullopt;
  int q = (v[0] - '0') * 1000;
  if (v.size() == 1) return q;
  if (v[1] != '.' || v.size() > 5) return std::nullopt;
  int scale = 100;
  for (char c : v.substr(2)) {
    if (c < '0' || c > '9') return std::nullopt;
    q += (c - '0') * scale;
    scale /= 10;
  }
  if (q > 1000) return std::nullopt;
  return q;
}

struct Range {
  std::string tag;  // lowercase
  int q = 1000;
  size_t order = 0;
};

// Nothing when any element is malformed: the whole header is then ignored.
std::optional<std::vector<Range>> ParseHeader(std::string_view header) {
  if (header.size() > kMaxHeaderBytes) return std::nullopt;
  std::vector<Range> out;
  size_t start = 0;
  while (start <= header.size()) {
    size_t comma = header.find(',', start);
    std::string_view element =
        Trim(header.substr(start, comma == std::string_view::npos ? header.npos : comma - start));
    start = comma == std::string_view::npos ? header.size() + 1 : comma + 1;
    if (element.empty()) continue;  // "a, , b" is allowed by the list syntax
    size_t semi = element.find(';');
    Range r;
    std::string_view tag = Trim(element.substr(0, semi));
    if (!IsRange(tag)) return std::nullopt;
    r.tag = Lower(tag);
    if (semi != std::string_view::npos) {
      auto q = ParseQ(element.substr(semi + 1));
      if (!q) return std::nullopt;
      r.q = *q;
    }
    r.order = out.size();
    out.push_back(std::move(r));
    if (out.size() > kMaxRanges) return std::nullopt;
  }
  return out;
}

// Whether range `r` (lowercase, not "*") covers `tag` (lowercase): equal, or a prefix at '-'.
bool Covers(std::string_view r, std::string_view tag) {
  return tag == r || (tag.size() > r.size() && tag.starts_with(r) && tag[r.size()] == '-');
}

}  // namespace

bool IsLanguageTag(std::string_view tag) {
  if (tag.empty() || tag.size() > 35) return false;
  size_t start = 0;
  bool first = true;
  while (true) {
    size_t dash = tag.find('-', start);
    std::string_view part =
        tag.substr(start, dash == std::string_view::npos ? tag.npos : dash - start);
    if (first) {
      if (part.size() < 2 || part.size() > 3 || !std::all_of(part.begin(), part.end(), IsAlpha)) {
        return false;
      }
    } else if (part.empty() || part.size() > 8 || !std::all_of(part.begin(), part.end(), IsAlnum)) {
      return false;
    }
    first = false;
    if (dash == std::string_view::npos) return true;
    start = dash + 1;
  }
}

std::string PickLanguage(std::string_view accept_language, std::span<const std::string> languages) {
  if (languages.empty()) return "en";
  const std::string fallback = languages.front();
  auto ranges = ParseHeader(accept_language);
  if (!ranges || ranges->empty()) return fallback;
  std::vector<std::string> store;
  for (const auto& l : languages) store.push_back(Lower(l));
  auto excluded = [&](std::string_view tag) {
    for (const Range& r : *ranges) {
      if (r.q == 0 && r.tag != "*" && Covers(r.tag, tag)) return true;
    }
    return false;
  };
  std::stable_sort(ranges->begin(), ranges->end(),
                   [](const Range& a, const Range& b) { return a.q > b.q; });
  for (const Range& r : *ranges) {
    if (r.q == 0) break;  // sorted: the rest are excluded ones
    if (r.tag == "*") {
      for (size_t i = 0; i < store.size(); ++i) {
        if (!excluded(store[i])) return languages[i];
      }
      continue;
    }
    // Lookup: the range, then shortened from the end; a single-letter subtag left at the end
    // goes with the one before it ("zh-Hant-x" -> "zh-Hant").
    std::string candidate = r.tag;
    while (!candidate.empty()) {
      for (size_t i = 0; i < store.size(); ++i) {
        if (store[i] == candidate && !excluded(store[i])) return languages[i];
      }
      size_t dash = candidate.rfind('-');
      if (dash == std::string::npos) break;
      candidate.resize(dash);
      if (candidate.size() >= 2 && candidate[candidate.size() - 2] == '-') {
        candidate.resize(candidate.size() - 2);
      }
    }
  }
  // Nothing matched: the default, unless the header refused it (then the first not refused).
  for (size_t i = 0; i < store.size(); ++i) {
    if (!excluded(store[i])) return languages[i];
  }
  return fallback;
}

}  // namespace optin::notices
