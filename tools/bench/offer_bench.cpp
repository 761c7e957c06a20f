// Offer selection figures (issue 7): a 10,000-offer catalog over 60 categories (parsed and
// validated as a catalog file), shoppers with 50 declared interests, many SelectOffers calls;
// p50 and p99 per request. Target: p99 < 2 ms. Prints one JSON line per figure, then a summary.
// Usage: offer_bench [--offers N] [--categories N] [--interests N] [--requests N] [--history N]
#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "offers/catalog.h"
#include "offers/offer_selector.h"

namespace {

using namespace optin;
using Clock = std::chrono::steady_clock;
namespace json = boost::json;

constexpr int64_t kNow = 1'790'000'000;

double Millis(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Percentile(std::vector<double> sorted, double p) {
  if (sorted.empty()) return 0;
  size_t i = static_cast<size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  long offers_n = 10000, categories_n = 60, interests_n = 50, requests = 20000, history_n = 10;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    long v = std::atol(argv[i + 1]);
    if (flag == "--offers")
      offers_n = v;
    else if (flag == "--categories")
      categories_n = v;
    else if (flag == "--interests")
      interests_n = v;
    else if (flag == "--requests")
      requests = v;
    else if (flag == "--history")
      history_n = v;
    else {
      std::fprintf(stderr,
                   "usage: offer_bench [--offers N] [--categories N] [--interests N] "
                   "[--requests N] [--history N]\n");
      return 2;
    }
  }
  if ((argc - 1) % 2 != 0 || interests_n > categories_n || categories_n < 1 || offers_n < 1 ||
      requests < 1 || history_n < 0) {
    std::fprintf(stderr, "offer_bench: bad arguments\n");
    return 2;
  }
  std::mt19937_64 rng(7);
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  const char* levels[] = {"beginner", "intermediate", "expert"};

  offers::CatalogRules rules;
  for (long i = 0; i < categories_n; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "interest %03ld", i);
    rules.categories.emplace_back(name);
  }
  // The catalog as a store would write it: 1 to 3 categories, two thirds with an expertise
  // level, 90% valid now.
  json::array list;
  for (long i = 0; i < offers_n; ++i) {
    std::set<size_t> cats;
    size_t want = 1 + pick(3);
    while (cats.size() < want) cats.insert(pick(rules.categories.size()));
    json::array categories;
    for (size_t c : cats) categories.push_back(json::string(rules.categories[c]));
    bool valid = pick(10) != 0;
    json::object o{{"id", "offer-" + std::to_string(i)},
                   {"title", "Offer number " + std::to_string(i)},
                   {"description", std::string(120, 'd')},
                   {"categories", std::move(categories)},
                   {"price", json::object{{"amount_minor", static_cast<int64_t>(pick(50000))},
                                          {"currency", "EUR"}}},
                   {"terms", std::string(80, 't')},
                   {"valid_from", valid ? kNow - 86400 : kNow + 86400},
                   {"valid_until", kNow + 7 * 86400}};
    if (pick(3) != 0) o["expertise"] = levels[pick(3)];
    list.push_back(std::move(o));
  }
  rules.max_offers = static_cast<size_t>(offers_n);
  const std::string text =
      json::serialize(json::object{{"version", "bench"}, {"offers", std::move(list)}});
  auto t0 = Clock::now();
  auto parsed = offers::ParseCatalog(text, rules);
  auto t1 = Clock::now();
  if (!parsed) {
    std::fprintf(stderr, "offer_bench: catalog refused: %s\n", parsed.error().message.c_str());
    return 1;
  }
  const offers::Catalog& catalog = *parsed;
  const double parse_ms = Millis(t1 - t0);
  std::printf("%s\n", json::serialize(json::object{{"bench", "offer_catalog_parse"},
                                                   {"offers", offers_n},
                                                   {"bytes", text.size()},
                                                   {"ms", parse_ms}})
                          .c_str());

  // 64 different shoppers, each with `interests_n` declared interests (random expertise),
  // `history_n` history categories and a dozen offers already shown this visit.
  std::vector<offers::ShopperSignals> shoppers(64);
  for (auto& s : shoppers) {
    std::vector<size_t> order(rules.categories.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), rng);
    for (long i = 0; i < interests_n; ++i) {
      std::optional<std::string> e;
      if (pick(4) != 0) e = levels[pick(3)];
      s.interests.push_back({rules.categories[order[static_cast<size_t>(i)]], e});
    }
    for (long i = 0; i < history_n; ++i) {
      s.history_categories.push_back(rules.categories[pick(rules.categories.size())]);
    }
    for (int i = 0; i < 12; ++i) {
      s.shown_this_visit["offer-" + std::to_string(pick(static_cast<size_t>(offers_n)))] =
          1 + static_cast<int>(pick(3));
    }
  }

  offers::SelectionPolicy policy;
  std::vector<double> ms;
  ms.reserve(static_cast<size_t>(requests));
  size_t picked = 0;
  // Warm-up, not measured.
  for (int i = 0; i < 200; ++i)
    picked += offers::SelectOffers(catalog, shoppers[i % 64], policy, kNow).size();
  picked = 0;
  auto all0 = Clock::now();
  for (long i = 0; i < requests; ++i) {
    auto a = Clock::now();
    auto picks = offers::SelectOffers(catalog, shoppers[static_cast<size_t>(i) % 64], policy, kNow);
    auto b = Clock::now();
    picked += picks.size();
    ms.push_back(Millis(b - a));
  }
  auto all1 = Clock::now();
  std::sort(ms.begin(), ms.end());
  double sum = 0;
  for (double m : ms) sum += m;
  const double p50 = Percentile(ms, 0.50), p99 = Percentile(ms, 0.99);
  std::printf(
      "%s\n",
      json::serialize(json::object{{"bench", "offer_select"},
                                   {"offers", offers_n},
                                   {"categories", categories_n},
                                   {"interests", interests_n},
                                   {"history", history_n},
                                   {"requests", requests},
                                   {"picks_per_request", static_cast<double>(picked) / requests},
                                   {"p50_ms", p50},
                                   {"p99_ms", p99},
                                   {"max_ms", ms.back()},
                                   {"mean_ms", sum / requests}})
          .c_str());
  std::printf(
      "offer_bench: %ld offers over %ld categories, %ld declared interests, %ld history "
      "categories\n",
      offers_n, categories_n, interests_n, history_n);
  std::printf("  catalog parse+validate  %.1f ms (%zu bytes)\n", parse_ms, text.size());
  std::printf("  requests     %ld (%.1f picks each), %.0f requests/s on one thread\n", requests,
              static_cast<double>(picked) / requests,
              requests / std::chrono::duration<double>(all1 - all0).count());
  std::printf("  p50          %.3f ms\n", p50);
  std::printf("  p99          %.3f ms   (target < 2 ms: %s)\n", p99, p99 < 2 ? "met" : "MISSED");
  std::printf("  max          %.3f ms\n", ms.back());
  std::printf("  mean         %.3f ms\n", sum / requests);
  return 0;
}
