// HQ figures' accuracy, end to end: S simulated stores over D days with known true counts, in a
// realistic shape (store sizes spread around --daily; Saturdays busier; a lunchtime peak and an
// evening bump; one store in five closed on Sundays; some shoppers check in twice a day, so the
// caps bite), recorded as consented events in each store's own SQLite database, released by the
// real Aggregator in private mode (daily periods and the default budget unless --period-minutes),
// then estimated as HQ would: each figure is the sum of its noisy cells, its error the sum of
// the cells' stated variances (the exact discrete Laplace 95% half-width for a single cell).
// Per metric it prints the mean absolute relative error of a store-day and of a chain-day, the
// bias (sum of estimates - sum of truths, over the truths), and the share of 95% intervals
// that cover the truth (store-days and chain-days).
// Usage: sync_accuracy [--stores S] [--days D] [--daily N] [--period-minutes M] [--seed X]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

#include <boost/json/parse.hpp>

#include "platform/clock.h"
#include "platform/random.h"
#include "store/database.h"
#include "sync/accuracy.h"
#include "sync/aggregator.h"
#include "sync/batch.h"
#include "sync/outbox.h"

namespace {

using namespace optin;

template <class T>
T Must(Result<T> r, const char* what) {
  if (!r) {
    std::fprintf(stderr, "%s: %s\n", what, r.error().message.c_str());
    std::exit(1);
  }
  return std::move(*r);
}
void Must(Status s, const char* what) {
  if (!s) {
    std::fprintf(stderr, "%s: %s\n", what, s.error().message.c_str());
    std::exit(1);
  }
}

struct Options {
  int64_t stores = 200;
  int64_t days = 28;
  int64_t daily = 300;
  int64_t period_minutes = 1440;
  uint64_t seed = 14;
  bool detail = false;  // --detail 1: each chain-day's error in standard deviations
};

// One figure's running tallies over store-days or chain-days.
struct Tally {
  double abs_rel_error = 0;  // sum of |est - true| / true over figures with true > 0
  int64_t rel_count = 0;
  double sum_est = 0, sum_true = 0, sum_var = 0;
  int64_t covered = 0, intervals = 0;
  void Add(double est, double truth, double half_width, double variance) {
    sum_var += variance;
    if (truth > 0) {
      abs_rel_error += std::abs(est - truth) / truth;
      ++rel_count;
    }
    sum_est += est;
    sum_true += truth;
    ++intervals;
    covered += std::abs(est - truth) <= half_width;
  }
};

// Hour-of-day weights (UTC), a store open 9-21 with a lunchtime peak and an evening bump.
constexpr double kHourWeight[24] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0.6, 0.8, 1.0,
                                    1.8, 1.7, 1.0, 0.9, 1.0, 1.3, 1.5, 1.2, 0.8, 0.4, 0, 0};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    const int64_t v = std::stoll(argv[i + 1]);
    if (a == "--stores") o.stores = v;
    else if (a == "--days") o.days = v;
    else if (a == "--daily") o.daily = v;
    else if (a == "--period-minutes") o.period_minutes = v;
    else if (a == "--seed") o.seed = static_cast<uint64_t>(v);
    else if (a == "--detail") o.detail = v != 0;
    else {
      std::fprintf(stderr, "usage: sync_accuracy [--stores S] [--days D] [--daily N] "
                           "[--period-minutes M] [--seed X]\n");
      return 2;
    }
  }
  const auto t0 = std::chrono::steady_clock::now();
  std::mt19937_64 rng(o.seed);
  platform::SeededRandom noise_random(o.seed * 7919 + 1);
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("sync_accuracy." + std::to_string(getpid()));
  std::filesystem::create_directories(dir);

  sync::SyncPolicy policy;
  policy.store_id = "bench";
  policy.period = std::chrono::minutes(o.period_minutes);
  policy.topics = {"checkout", "fitting room", "product advice", "returns"};
  policy.offer_categories = {"running", "cycling", "hiking", "swimming", "yoga", "tennis"};
  Must(sync::CheckBudget(policy), "budget");
  const int64_t p = policy.period_seconds();
  // A Monday, 00:00 UTC.
  const int64_t day0 = 1'790'208'000 / 86'400 * 86'400;
  const int64_t monday = day0 - ((day0 / 86'400 + 3) % 7) * 86'400;

  // truth[metric][day], estimate[metric][day], variance[metric][day] summed over stores.
  std::map<std::string, std::vector<double>> chain_true, chain_est, chain_var;
  std::map<std::string, Tally> store_day;
  for (const auto& m : sync::kMetricSpecs) {
    chain_true[std::string(m.metric)].assign(static_cast<size_t>(o.days), 0);
    chain_est[std::string(m.metric)].assign(static_cast<size_t>(o.days), 0);
    chain_var[std::string(m.metric)].assign(static_cast<size_t>(o.days), 0);
  }
  std::lognormal_distribution<double> size_of(0.0, 0.35);
  std::uniform_real_distribution<double> u(0, 1);
  int64_t subject_seq = 0, events_total = 0;

  for (int64_t s = 0; s < o.stores; ++s) {
    store::DatabaseOptions dbo;
    dbo.file = dir / ("store-" + std::to_string(s) + ".db");
    auto db = Must(store::Database::Open(dbo), "open database");
    platform::FakeClock clock(monday);
    sync::Outbox outbox(clock, {}, [](const boost::json::object&) -> Result<std::string> {
      return std::string("unsigned");  // the signature plays no part in accuracy
    });
    sync::SyncPolicy sp = policy;
    sp.store_id = "bench-" + std::to_string(s);
    sync::Aggregator aggregator(clock, noise_random, sp, outbox,
                                [](const boost::json::object&) -> Result<std::string> {
                                  return std::string("unsigned");
                                });
    const double store_size = static_cast<double>(o.daily) * size_of(rng);
    const bool closed_sundays = s % 5 == 0;
    for (int64_t d = 0; d < o.days; ++d) {
      const int64_t day = monday + d * 86'400;
      const int weekday = static_cast<int>(d % 7);  // 0 = Monday
      double expected = store_size * (weekday == 5 ? 1.5 : weekday == 6 ? 0.7 : 1.0);
      if (weekday == 6 && closed_sundays) expected = 0;
      std::poisson_distribution<int64_t> shoppers_of(std::max(expected, 1e-9));
      const int64_t shoppers = expected > 0 ? shoppers_of(rng) : 0;
      std::discrete_distribution<int> hour_of(std::begin(kHourWeight), std::end(kHourWeight));
      Must(db->WriteSync([&](store::Connection& c) -> Status {
        for (int64_t i = 0; i < shoppers; ++i) {
          const std::string subject = "shopper-" + std::to_string(subject_seq++);
          OPTIN_TRY(c.Execute("INSERT INTO subjects(id, created_at) VALUES (?, ?)", subject, day));
          auto event = [&](int64_t at, std::string_view metric, std::string_view label) {
            ++events_total;
            return c.Execute(
                "INSERT INTO sync_events(subject_id, at, metric, label) VALUES (?, ?, ?, ?)",
                subject, at, metric, label);
          };
          const int64_t at = day + hour_of(rng) * 3600 + static_cast<int64_t>(u(rng) * 3600);
          const char* channel = u(rng) < 0.6 ? "app" : "loyalty_scan";
          OPTIN_TRY(event(at, sync::kCheckinsByChannel, channel));
          if (u(rng) < 0.1) {  // back later the same day: capped away
            OPTIN_TRY(event(std::min(at + 7200, day + 86'399), sync::kCheckinsByChannel, channel));
          }
          if (u(rng) < 0.15) {
            const auto& topic = policy.topics[static_cast<size_t>(u(rng) * 4) % 4];
            OPTIN_TRY(event(at + 300, sync::kHelpRequestsByTopic, topic));
            if (u(rng) < 0.85) {
              OPTIN_TRY(event(at + 400, sync::kTimeToClaim,
                              sync::ClaimBucketLabel(static_cast<int64_t>(-std::log(u(rng)) * 90))));
            }
          }
          const int views = u(rng) < 0.5 ? static_cast<int>(u(rng) * 5) + 1 : 0;
          for (int v = 0; v < views; ++v) {
            OPTIN_TRY(event(at + 60 + v, sync::kOfferViewsByCategory,
                            policy.offer_categories[static_cast<size_t>(u(rng) * 6) % 6]));
          }
        }
        return Ok();
      }),
           "record events");
      // The truth: the same capped counts the aggregator adds its noise to.
      std::map<std::string, double> truth;
      for (int64_t start = day; start < day + 86'400; start += p) {
        auto cells = Must(db->ReadSync<sync::Cells>([&](store::Connection& c) {
          return aggregator.CountEvents(c, start, start + p, nullptr);
        }),
                          "count");
        for (const auto& [metric, labels] : cells) {
          for (const auto& [label, n] : labels) truth[metric] += static_cast<double>(n);
        }
      }
      // Released by the real aggregator the minute after the day ends.
      clock.SetUnix(day + 86'400 + 60);
      Must(db->WriteSync<std::vector<sync::PeriodOutcome>>([&](store::Connection& c) {
        return aggregator.ReleaseClosedPeriods(c);
      }),
           "release");
      // HQ's side: every batch of the day (its local form holds what the payload holds).
      std::map<std::string, double> est, var, cells_of;
      double scale_of_total = 0;
      Must(db->WriteSync([&](store::Connection& c) -> Status {
        OPTIN_ASSIGN_OR_RETURN(auto stmt, c.Prepare("SELECT content FROM sync_outbox"));
        for (;;) {
          OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
          if (!row) break;
          OPTIN_ASSIGN_OR_RETURN(sync::BatchContent b, sync::ContentFromJson(
                                                           boost::json::parse(stmt.ColumnText(0))
                                                               .as_object()));
          for (const auto& [metric, m] : b.metrics) {
            for (const auto& [label, n] : m.cells) {
              est[metric] += static_cast<double>(n);
              var[metric] += m.variance.at(label);
              cells_of[metric] += 1;
            }
            if (metric == sync::kCheckinsTotal && m.scale_den > 0) {
              scale_of_total = static_cast<double>(m.scale_num) / static_cast<double>(m.scale_den);
            }
          }
        }
        OPTIN_TRY(c.Execute("DELETE FROM sync_outbox"));
        OPTIN_TRY(c.Execute("DELETE FROM sync_events"));
        return Ok();
      }),
           "read batches");
      for (const auto& m : sync::kMetricSpecs) {
        const std::string name(m.metric);
        // One cell of one scale: the exact discrete Laplace interval; a sum: the normal one.
        const double half = cells_of[name] == 1 && scale_of_total > 0
                                ? sync::HalfWidth95(scale_of_total, 1)
                                : sync::HalfWidth95FromVariance(var[name]);
        store_day[name].Add(est[name], truth[name], half, var[name]);
        chain_true[name][static_cast<size_t>(d)] += truth[name];
        chain_est[name][static_cast<size_t>(d)] += est[name];
        chain_var[name][static_cast<size_t>(d)] += var[name];
      }
    }
    db->Stop();
    db.reset();
    std::filesystem::remove(dir / ("store-" + std::to_string(s) + ".db"));
    std::filesystem::remove(dir / ("store-" + std::to_string(s) + ".db-wal"));
    std::filesystem::remove(dir / ("store-" + std::to_string(s) + ".db-shm"));
  }
  std::filesystem::remove_all(dir);

  std::printf("sync_accuracy: %lld stores x %lld days (%lld store-days, %lld events), about %lld "
              "consenting check-ins a store-day (Saturdays x1.5, Sundays x0.7, 1 store in 5 "
              "closed on Sundays), period %lld min, default budget (epsilon %s a shopper-day), "
              "seed %llu, %.0f s\n\n",
              static_cast<long long>(o.stores), static_cast<long long>(o.days),
              static_cast<long long>(o.stores * o.days), static_cast<long long>(events_total),
              static_cast<long long>(o.daily), static_cast<long long>(o.period_minutes),
              sync::FormatEpsilonMicros(policy.budgeted_epsilon_per_day_micros()).c_str(),
              static_cast<unsigned long long>(o.seed),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  std::printf("%-24s %10s %12s %12s %10s %9s %11s %11s\n", "metric", "true/s-day",
              "MARE s-day", "MARE chain", "bias", "(1 s.e.)", "cover s-day", "cover chain");
  for (const auto& m : sync::kMetricSpecs) {
    const std::string name(m.metric);
    Tally chain;
    for (int64_t d = 0; d < o.days; ++d) {
      const size_t i = static_cast<size_t>(d);
      chain.Add(chain_est[name][i], chain_true[name][i],
                sync::HalfWidth95FromVariance(chain_var[name][i]), chain_var[name][i]);
    }
    if (o.detail) {
      std::printf("  %s chain-day errors / sd:", name.c_str());
      for (int64_t d = 0; d < o.days; ++d) {
        const size_t i = static_cast<size_t>(d);
        std::printf(" %+.2f", (chain_est[name][i] - chain_true[name][i]) /
                                  std::sqrt(std::max(1e-9, chain_var[name][i])));
      }
      std::printf("\n");
    }
    const Tally& t = store_day[name];
    std::printf("%-24s %10.1f %11.2f%% %11.4f%% %+9.3f%% %8.3f%% %10.1f%% %10.1f%%\n",
                name.c_str(),
                t.sum_true / static_cast<double>(t.intervals),
                100 * t.abs_rel_error / static_cast<double>(std::max<int64_t>(1, t.rel_count)),
                100 * chain.abs_rel_error / static_cast<double>(std::max<int64_t>(1, chain.rel_count)),
                100 * (t.sum_est - t.sum_true) / std::max(1.0, t.sum_true),
                100 * std::sqrt(t.sum_var) / std::max(1.0, t.sum_true),
                100 * static_cast<double>(t.covered) / static_cast<double>(t.intervals),
                100 * static_cast<double>(chain.covered) / static_cast<double>(chain.intervals));
  }
  std::printf("\nMARE: mean absolute relative error (store-days with a true total > 0); bias: "
              "(sum of estimates - sum of truths) / sum of truths over all store-days, with its "
              "standard error from the stated variances (an unbiased figure stays within about 2 "
              "s.e. of 0); cover: "
              "share of 95%% intervals holding the truth. Chain-days are %lld stores' days.\n",
              static_cast<long long>(o.stores));
  return 0;
}
