#include "offers/offer_selector.h"

#include <algorithm>
#include <numeric>
#include <string_view>

namespace optin::offers {
namespace {

// Scores: any declared interest outranks any history category.
constexpr int kDeclaredBase = 100;
constexpr int kExpertiseSame = 30;
constexpr int kExpertiseAny = 15;   // the offer or the shopper names no level: fits everyone
constexpr int kExpertiseNear = 10;  // one level apart
constexpr int kPerExtraInterest = 5;
constexpr int kMaxExtraBonus = 20;
constexpr int kHistoryBase = 50;
constexpr int kHistoryMinimum = 10;

int Level(std::string_view e) {
  if (e == "beginner") return 0;
  if (e == "intermediate") return 1;
  if (e == "expert") return 2;
  return -1;
}

// What the shopper said (or did) about one category.
struct Signal {
  std::string_view category;
  bool declared = false;
  int level = -1;                          // declared expertise, -1 when none
  const std::string* expertise = nullptr;  // its text
  int history_rank = 0;
};

int MatchScore(const Signal& s, const Offer& offer) {
  if (!s.declared) return std::max(kHistoryMinimum, kHistoryBase - s.history_rank);
  int offer_level = offer.expertise ? Level(*offer.expertise) : -1;
  if (s.level < 0 || offer_level < 0) return kDeclaredBase + kExpertiseAny;
  int gap = std::abs(s.level - offer_level);
  return kDeclaredBase + (gap == 0 ? kExpertiseSame : gap == 1 ? kExpertiseNear : 0);
}

std::string Reason(const Signal& s, const Offer& offer) {
  std::string cat(s.category);
  if (!s.declared) return "Because you looked at " + cat + " offers on an earlier visit.";
  std::string r = "Because you told us you are into " + cat;
  if (s.expertise != nullptr && (!offer.expertise || *offer.expertise == *s.expertise)) {
    r += " (" + *s.expertise + ")";
  }
  return r + ".";
}

struct Entry {
  int score;
  uint32_t rank;  // position in id order
  uint32_t index;
};

}  // namespace

std::vector<Pick> SelectOffers(const Catalog& catalog, const ShopperSignals& signals,
                               const SelectionPolicy& policy, int64_t now) {
  std::vector<Pick> picks;
  if (policy.max_results == 0 || policy.max_per_category == 0) return picks;
  if (signals.interests.empty() && signals.history_categories.empty()) return picks;
  if (catalog.expires_at && now >= *catalog.expires_at) return picks;
  const size_t n = catalog.offers.size();
  if (n == 0) return picks;

  // The catalog's index; a catalog built by hand without Reindex() gets a local one.
  const std::map<std::string, std::vector<uint32_t>, std::less<>>* by_category =
      &catalog.by_category;
  std::map<std::string, std::vector<uint32_t>, std::less<>> local_index;
  std::vector<uint32_t> rank;  // empty: index order is id order
  if (!catalog.indexed()) {
    for (uint32_t i = 0; i < n; ++i) {
      for (const std::string& c : catalog.offers[i].categories) {
        auto& list = local_index[c];
        if (list.empty() || list.back() != i) list.push_back(i);
      }
    }
    by_category = &local_index;
    std::vector<uint32_t> order(n);
    std::iota(order.begin(), order.end(), 0u);
    std::sort(order.begin(), order.end(),
              [&](uint32_t a, uint32_t b) { return catalog.offers[a].id < catalog.offers[b].id; });
    rank.resize(n);
    for (uint32_t r = 0; r < n; ++r) rank[order[r]] = r;
  }

  // The shopper's signals by category: declared interests first, then history (a category
  // both declared and in history counts as declared).
  std::vector<Signal> sig;
  sig.reserve(signals.interests.size() + signals.history_categories.size());
  auto known = [&](std::string_view c) {
    return std::any_of(sig.begin(), sig.end(), [&](const Signal& s) { return s.category == c; });
  };
  for (const Interest& in : signals.interests) {
    if (known(in.topic)) continue;
    Signal s;
    s.category = in.topic;
    s.declared = true;
    if (in.expertise && Level(*in.expertise) >= 0) {
      s.level = Level(*in.expertise);
      s.expertise = &*in.expertise;
    }
    sig.push_back(s);
  }
  int history_rank = 0;
  for (const std::string& c : signals.history_categories) {
    if (known(c)) continue;
    Signal s;
    s.category = c;
    s.history_rank = history_rank++;
    sig.push_back(s);
  }
  std::sort(sig.begin(), sig.end(),
            [](const Signal& a, const Signal& b) { return a.category < b.category; });
  auto find_signal = [&](std::string_view c) -> const Signal* {
    auto it = std::lower_bound(sig.begin(), sig.end(), c,
                               [](const Signal& s, std::string_view v) { return s.category < v; });
    return it != sig.end() && it->category == c ? &*it : nullptr;
  };

  // -1: not to be shown (outside its window, or at the frequency cap); 0: no match yet.
  std::vector<int> best(n, 0);
  std::vector<uint8_t> declared_matches(n, 0);
  for (const auto& [id, times] : signals.shown_this_visit) {
    if (times < policy.frequency_cap) continue;
    if (const Offer* o = catalog.Find(id)) {
      best[static_cast<size_t>(o - catalog.offers.data())] = -1;
    }
  }
  if (policy.frequency_cap <= 0) return picks;
  for (const Signal& s : sig) {
    auto it = by_category->find(s.category);
    if (it == by_category->end()) continue;
    for (uint32_t i : it->second) {
      int& b = best[i];
      if (b < 0) continue;
      const Offer& offer = catalog.offers[i];
      if (b == 0 && !offer.ValidAt(now)) {
        b = -1;
        continue;
      }
      b = std::max(b, MatchScore(s, offer));
      if (s.declared && declared_matches[i] < 255) ++declared_matches[i];
    }
  }
  auto bonus = [&](uint32_t i) {
    return declared_matches[i] > 1
               ? std::min(kMaxExtraBonus, kPerExtraInterest * (declared_matches[i] - 1))
               : 0;
  };

  std::vector<Entry> heap;
  for (uint32_t i = 0; i < n; ++i) {
    if (best[i] > 0) heap.push_back({best[i] + bonus(i), rank.empty() ? i : rank[i], i});
  }
  // Highest score first; equal scores by offer id.
  auto lower = [](const Entry& a, const Entry& b) {
    return a.score != b.score ? a.score < b.score : a.rank > b.rank;
  };
  std::make_heap(heap.begin(), heap.end(), lower);

  std::map<std::string_view, size_t> per_category;
  while (!heap.empty() && picks.size() < policy.max_results) {
    std::pop_heap(heap.begin(), heap.end(), lower);
    Entry e = heap.back();
    heap.pop_back();
    const Offer& offer = catalog.offers[e.index];
    // The best-scoring matched category that still has room (scores only fall as categories
    // fill, so an entry whose best open category scores lower goes back into the heap).
    const Signal* chosen = nullptr;
    int chosen_score = 0;
    for (const std::string& c : offer.categories) {
      const Signal* s = find_signal(c);
      if (s == nullptr) continue;
      auto used = per_category.find(s->category);
      if (used != per_category.end() && used->second >= policy.max_per_category) continue;
      int score = MatchScore(*s, offer) + bonus(e.index);
      if (score > chosen_score) {
        chosen = s;
        chosen_score = score;
      }
    }
    if (chosen == nullptr) continue;
    if (chosen_score < e.score) {
      heap.push_back({chosen_score, e.rank, e.index});
      std::push_heap(heap.begin(), heap.end(), lower);
      continue;
    }
    ++per_category[chosen->category];
    picks.push_back(Pick{&offer, Reason(*chosen, offer), std::string(chosen->category),
                         static_cast<double>(chosen_score)});
  }
  return picks;
}

}  // namespace optin::offers
