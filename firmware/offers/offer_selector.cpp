#include "offers/offer_selector.h"

#include <algorithm>
#include <numeric>
#include <string_view>

namespace optin::offers {
namespace {

// Scores: any declared interest outranks any history category. An offer's score is the best
// score of the shopper's signals it matches; it depends only on the signal and the offer's
// expertise slot, which lets selection walk the catalog's per-category, per-level lists in
// score order and stop as soon as it has enough (see SelectOffers).
constexpr int kDeclaredBase = 100;
constexpr int kExpertiseSame = 30;
constexpr int kExpertiseAny = 15;   // the offer or the shopper names no level: fits everyone
constexpr int kExpertiseNear = 10;  // one level apart
constexpr int kHistoryBase = 50;
constexpr int kHistoryMinimum = 10;

int Level(std::string_view e) {
  if (e == "beginner") return 0;
  if (e == "intermediate") return 1;
  if (e == "expert") return 2;
  return -1;
}

// What the shopper said (or, under history, looked at) about one category.
struct Signal {
  std::string_view category;
  bool declared = false;
  int level = -1;                          // declared expertise, -1 when none
  const std::string* expertise = nullptr;  // its text
  int history_rank = 0;                    // 0 for the most frequent history category
};

// The score of an offer in expertise `slot` (Catalog::ExpertiseSlot) matched through `s`.
int SlotScore(const Signal& s, size_t slot) {
  if (!s.declared) return std::max(kHistoryMinimum, kHistoryBase - s.history_rank);
  if (s.level < 0 || slot == 0) return kDeclaredBase + kExpertiseAny;
  int gap = std::abs(s.level - static_cast<int>(slot - 1));
  return kDeclaredBase + (gap == 0 ? kExpertiseSame : gap == 1 ? kExpertiseNear : 0);
}

constexpr std::string_view kHistoryPrefix = "Because you looked at ";
constexpr std::string_view kHistorySuffix = " offers on an earlier visit.";
constexpr std::string_view kDeclaredPrefix = "Because you told us you are into ";

std::string Reason(const Signal& s, const Offer& offer) {
  std::string cat(s.category);
  if (!s.declared) return std::string(kHistoryPrefix) + cat + std::string(kHistorySuffix);
  std::string r = std::string(kDeclaredPrefix) + cat;
  if (s.expertise != nullptr && (!offer.expertise || *offer.expertise == *s.expertise)) {
    r += " (" + *s.expertise + ")";
  }
  return r + ".";
}

// A position in one (signal, expertise slot) list of offer indices, in id order; every offer
// in the list has the same score for that signal.
struct Cursor {
  int score;
  uint32_t head_rank;  // id order of the offer at `pos`
  const std::vector<uint32_t>* list;
  size_t pos;
  size_t signal;  // index into the signals
};

}  // namespace

std::vector<Pick> SelectOffers(const Catalog& catalog, const ShopperSignals& signals,
                               const SelectionPolicy& policy, int64_t now) {
  std::vector<Pick> picks;
  if (policy.max_results == 0 || policy.max_per_category == 0 || policy.frequency_cap <= 0) {
    return picks;
  }
  if (signals.interests.empty() && signals.history_categories.empty()) return picks;
  if (catalog.expires_at && now >= *catalog.expires_at) return picks;
  const size_t n = catalog.offers.size();
  if (n == 0) return picks;

  // The catalog's index; a catalog built by hand without Reindex() gets a local one, with
  // lists in id order and `rank` mapping an index to its id order.
  const auto* index = &catalog.by_category;
  std::map<std::string, Catalog::CategoryOffers, std::less<>> local_index;
  std::vector<uint32_t> rank;
  if (!catalog.indexed()) {
    std::vector<uint32_t> order(n);
    std::iota(order.begin(), order.end(), 0u);
    std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
      return catalog.offers[a].id < catalog.offers[b].id;
    });
    rank.resize(n);
    for (uint32_t r = 0; r < n; ++r) {
      const uint32_t i = order[r];
      rank[i] = r;
      const Offer& o = catalog.offers[i];
      for (const std::string& c : o.categories) {
        auto& entry = local_index[c];
        if (!entry.all.empty() && entry.all.back() == i) continue;
        entry.all.push_back(i);
        entry.by_level[Catalog::ExpertiseSlot(o.expertise)].push_back(i);
      }
    }
    index = &local_index;
  }
  auto rank_of = [&](uint32_t i) { return rank.empty() ? i : rank[i]; };

  // The shopper's signals, one per category: declared interests first, then history (a
  // category both declared and in history counts as declared).
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

  // Offers at the frequency cap this visit.
  std::vector<uint32_t> capped;
  for (const auto& [id, times] : signals.shown_this_visit) {
    if (times < policy.frequency_cap) continue;
    if (const Offer* o = catalog.Find(id)) {
      capped.push_back(static_cast<uint32_t>(o - catalog.offers.data()));
    }
  }
  std::sort(capped.begin(), capped.end());

  // Best first: a merge of the (signal, slot) lists by score, then id order, then category
  // name. An offer's first appearance is at its best score; when that category is already
  // full it may still be chosen later through another category it matches.
  std::vector<Cursor> heap;
  for (size_t s = 0; s < sig.size(); ++s) {
    auto it = index->find(sig[s].category);
    if (it == index->end()) continue;
    for (size_t slot = 0; slot < it->second.by_level.size(); ++slot) {
      const auto& list = it->second.by_level[slot];
      if (!list.empty()) heap.push_back({SlotScore(sig[s], slot), rank_of(list[0]), &list, 0, s});
    }
  }
  auto lower = [&](const Cursor& a, const Cursor& b) {
    if (a.score != b.score) return a.score < b.score;
    if (a.head_rank != b.head_rank) return a.head_rank > b.head_rank;
    return sig[a.signal].category > sig[b.signal].category;
  };
  std::make_heap(heap.begin(), heap.end(), lower);

  std::vector<size_t> used(sig.size(), 0);  // picks per signal (= per category)
  std::vector<uint32_t> picked;
  while (!heap.empty() && picks.size() < policy.max_results) {
    std::pop_heap(heap.begin(), heap.end(), lower);
    Cursor c = heap.back();
    heap.pop_back();
    if (used[c.signal] >= policy.max_per_category) continue;  // this category is full
    const uint32_t i = (*c.list)[c.pos];
    if (++c.pos < c.list->size()) {
      c.head_rank = rank_of((*c.list)[c.pos]);
      heap.push_back(c);
      std::push_heap(heap.begin(), heap.end(), lower);
    }
    const Offer& offer = catalog.offers[i];
    if (!offer.ValidAt(now)) continue;
    if (std::binary_search(capped.begin(), capped.end(), i)) continue;
    if (std::find(picked.begin(), picked.end(), i) != picked.end()) continue;
    const Signal& s = sig[c.signal];
    ++used[c.signal];
    picked.push_back(i);
    picks.push_back(
        Pick{&offer, Reason(s, offer), std::string(s.category), static_cast<double>(c.score)});
  }
  return picks;
}

std::optional<ReasonParts> ParseReason(std::string_view reason) {
  if (reason.starts_with(kHistoryPrefix) && reason.ends_with(kHistorySuffix) &&
      reason.size() > kHistoryPrefix.size() + kHistorySuffix.size()) {
    reason.remove_prefix(kHistoryPrefix.size());
    reason.remove_suffix(kHistorySuffix.size());
    return ReasonParts{false, std::string(reason), std::nullopt};
  }
  if (!reason.starts_with(kDeclaredPrefix) || !reason.ends_with('.')) return std::nullopt;
  reason.remove_prefix(kDeclaredPrefix.size());
  reason.remove_suffix(1);
  ReasonParts parts{true, std::string(reason), std::nullopt};
  for (std::string_view level : {"beginner", "intermediate", "expert"}) {
    const std::string tail = " (" + std::string(level) + ")";
    if (reason.ends_with(tail) && reason.size() > tail.size()) {
      parts.interest = std::string(reason.substr(0, reason.size() - tail.size()));
      parts.level = std::string(level);
    }
  }
  if (parts.interest.empty()) return std::nullopt;
  return parts;
}

}  // namespace optin::offers
