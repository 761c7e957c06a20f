#include "sync/aggregator.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdio>
#include <functional>
#include <set>

#include "sync/discrete_laplace.h"
#include "tests/unit/sync/sync_world.h"

namespace optin::testing::aggregator_test {
namespace {

using consent::Purpose;
namespace json = boost::json;

class AggregatorTest : public ::testing::Test {
 protected:
  SyncWorld w_;

  // Checks in, asks for help on `topic` and is claimed after `wait_seconds`.
  void FullVisit(std::string_view sub, std::vector<Purpose> purposes, std::string topic,
                 int64_t wait_seconds, assist::StaffLogin& staff) {
    auto visit = w_.Shopper(sub, purposes);
    auto asked = w_.Ask(visit, std::move(topic));
    if (!asked) return;  // without `assistance`
    w_.clock().Advance(std::chrono::seconds(wait_seconds));
    ASSERT_TRUE(w_.Claim(staff, asked->request.id).has_value());
  }

  json::object OnlyBatchMetrics() {
    auto batches = w_.Batches();
    EXPECT_EQ(batches.size(), 1u);
    if (batches.empty()) return {};
    return w_.Payload(batches.back()).at("metrics").as_object();
  }
};

TEST_F(AggregatorTest, SubjectWithoutHqAggregatesChangesNothingInABatch) {
  // Reference: a period in which nobody did anything.
  SyncWorld empty;
  empty.NextPeriod();
  auto reference = empty.Payload(empty.Batches().at(0)).at("metrics");

  auto staff = w_.Staff("sam");
  FullVisit("no-hq", {Purpose::kAssistance}, "checkout", 45, staff);
  EXPECT_EQ(w_.database().Count("sync_events"), 0);
  auto outcomes = w_.NextPeriod();
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].outcome, "released");
  EXPECT_EQ(outcomes[0].events, 0);
  EXPECT_EQ(json::serialize(OnlyBatchMetrics()), json::serialize(reference));
}

TEST_F(AggregatorTest, SubjectWithHqAggregatesCountsExactlyItsEvents) {
  auto staff = w_.Staff("sam");
  FullVisit("hq", {Purpose::kAssistance, Purpose::kHqAggregates}, "checkout", 45, staff);
  FullVisit("no-hq", {Purpose::kAssistance}, "fitting room", 700, staff);
  auto outcomes = w_.NextPeriod();
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].events, 3);
  auto metrics = OnlyBatchMetrics();
  auto cells = [&metrics](std::string_view m) -> const json::object& {
    return metrics.at(m).as_object().at("cells").as_object();
  };
  json::object expected_checkins{{"app", 1}, {"loyalty_scan", 0}, {"other", 0}};
  EXPECT_EQ(json::serialize(cells("checkins_by_channel")), json::serialize(expected_checkins));
  EXPECT_EQ(json::serialize(cells("checkins_total")), R"({"all":1})");
  // Checked in at kPeriodStart + 60 s: the UTC hour of day of that time.
  char hour[4];
  std::snprintf(hour, sizeof hour, "%02d", static_cast<int>((kPeriodStart % 86'400) / 3600));
  for (const auto& [label, count] : cells("checkins_by_hour")) {
    EXPECT_EQ(count.as_int64(), label == hour ? 1 : 0) << label;
  }
  EXPECT_EQ(cells("checkins_by_hour").size(), 24u);
  for (const auto& [label, count] : cells("help_requests_by_topic")) {
    EXPECT_EQ(count.as_int64(), label == "checkout" ? 1 : 0) << label;
  }
  for (const auto& [label, count] : cells("time_to_claim_seconds")) {
    EXPECT_EQ(count.as_int64(), label == "30-60" ? 1 : 0) << label;
  }
  for (const auto& [label, count] : cells("offer_views_by_category")) {
    EXPECT_EQ(count.as_int64(), 0) << label;
  }
}

TEST_F(AggregatorTest, EachSubjectsContributionIsCappedPerMetric) {
  // The default caps: one check-in, one help request, one claim, three offer views.
  for (int i = 0; i < 3; ++i) w_.Shopper("hq", {Purpose::kHqAggregates});
  auto subject = w_.Subject("hq");
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(w_.database().Write([&](store::Connection& c) {
      return w_.recorder().OnOfferView(c, subject, i % 2 ? "running" : "surfing");
    }));
  }
  ASSERT_TRUE(w_.CheckIn(w_.Subject("other"), "jti-other", {{Purpose::kHqAggregates, true}},
                         "loyalty_scan"));
  w_.NextPeriod();
  auto payload = w_.Payload(w_.Batches().at(0));
  EXPECT_EQ(SyncWorld::Metric(payload, "checkins_by_channel", "app"), 1);
  EXPECT_EQ(SyncWorld::Metric(payload, "checkins_by_channel", "loyalty_scan"), 1);
  // The first three views count: surfing (other), running, surfing (other).
  EXPECT_EQ(SyncWorld::Metric(payload, "offer_views_by_category", "other"), 2);
  EXPECT_EQ(SyncWorld::Metric(payload, "offer_views_by_category", "running"), 1);
  EXPECT_EQ(SyncWorld::Metric(payload, "checkins_total", "all"), 2);
}

// The cap is per shopper and metric across its labels: with a cap of 2, five check-ins over
// two channels add 2 to the metric, whatever labels they carry.
TEST(AggregatorCapTest, AShoppersContributionNeverExceedsAMetricsCapAcrossLabels) {
  sync::SyncPolicy policy = TestSyncPolicy();
  policy.budget["checkins_by_channel"].cap = 2;
  SyncWorld w(sync::NoiseMode::kExactForTests, policy);
  const std::string subject = w.Subject("busy");
  const char* channels[] = {"app", "loyalty_scan", "app", "loyalty_scan", "app"};
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(w.CheckIn(subject, "jti-busy-" + std::to_string(i),
                          {{Purpose::kHqAggregates, true}}, channels[i]));
  }
  w.NextPeriod();
  auto payload = w.Payload(w.Batches().at(0));
  int64_t sum = 0;
  for (const auto& [label, count] :
       payload.at("metrics").at("checkins_by_channel").at("cells").as_object()) {
    sum += count.as_int64();
  }
  EXPECT_EQ(sum, 2);
  EXPECT_EQ(SyncWorld::Metric(payload, "checkins_by_channel", "app"), 1);
  EXPECT_EQ(SyncWorld::Metric(payload, "checkins_by_channel", "loyalty_scan"), 1);
  // The other check-in metrics keep their own cap of 1.
  EXPECT_EQ(SyncWorld::Metric(payload, "checkins_total", "all"), 1);
  EXPECT_EQ(payload.at("metrics").at("checkins_by_channel").at("cap").as_int64(), 2);
}

sync::SyncPolicy DailyPolicy() {
  sync::SyncPolicy p = TestSyncPolicy();
  p.period = std::chrono::hours(24);
  return p;
}

constexpr int64_t kDay = kPeriodStart / 86'400 * 86'400;

// One shopper per UTC day: HQ's `sub` gives the same subject whether it comes in an app token
// or a loyalty scan, so the app check-in and the scan share one cap; the next day is new.
TEST(AggregatorCapTest, OneShopperPerDayAcrossAppAndLoyaltyScan) {
  SyncWorld w(sync::NoiseMode::kExactForTests, DailyPolicy());
  w.clock().SetUnix(kDay + 8 * 3600);
  const std::string subject = w.Subject("anna");  // issuer + sub, as both channels key it
  ASSERT_TRUE(w.CheckIn(subject, "jti-1", {{Purpose::kHqAggregates, true}}, "app"));
  w.clock().SetUnix(kDay + 15 * 3600);
  ASSERT_TRUE(w.CheckIn(subject, "jti-2", {{Purpose::kHqAggregates, true}}, "loyalty_scan"));
  w.clock().SetUnix(kDay + 86'400 + 9 * 3600);
  ASSERT_TRUE(w.CheckIn(subject, "jti-3", {{Purpose::kHqAggregates, true}}, "loyalty_scan"));
  w.clock().SetUnix(kDay + 2 * 86'400 + 60);
  ASSERT_TRUE(w.Release().has_value());
  auto batches = w.Batches();
  ASSERT_EQ(batches.size(), 2u);
  auto first = w.Payload(batches[0]);
  EXPECT_EQ(first.at("period").at("start").as_int64(), kDay);
  EXPECT_EQ(SyncWorld::Metric(first, "checkins_total", "all"), 1);
  EXPECT_EQ(SyncWorld::Metric(first, "checkins_by_channel", "app"), 1);
  EXPECT_EQ(SyncWorld::Metric(first, "checkins_by_channel", "loyalty_scan"), 0);
  EXPECT_EQ(SyncWorld::Metric(first, "checkins_by_hour", "08"), 1);
  EXPECT_EQ(SyncWorld::Metric(first, "checkins_by_hour", "15"), 0);
  auto second = w.Payload(batches[1]);
  EXPECT_EQ(SyncWorld::Metric(second, "checkins_total", "all"), 1);
  EXPECT_EQ(SyncWorld::Metric(second, "checkins_by_channel", "loyalty_scan"), 1);
}

// An anonymous web visit is a new identity each time: no cap can follow a person across such
// visits, so they never count, whatever the page sent.
TEST(AggregatorCapTest, AnonymousWebVisitsDoNotContributeToHqFigures) {
  SyncWorld reference;
  reference.NextPeriod();
  SyncWorld w;
  auto staff = w.Staff("sam");
  for (int i = 0; i < 5; ++i) {
    auto visit = ValueOrDie(
        w.CheckIn("", "", {{Purpose::kHqAggregates, true}, {Purpose::kAssistance, true}}, "web"),
        "web check-in");
    auto asked = w.Ask(visit.visit, "checkout");
    ASSERT_TRUE(asked.has_value());
    ASSERT_TRUE(w.Claim(staff, asked->request.id).has_value());
  }
  EXPECT_EQ(w.database().Count("sync_events"), 0);
  w.NextPeriod();
  EXPECT_EQ(json::serialize(w.Payload(w.Batches().at(0)).at("metrics")),
            json::serialize(reference.Payload(reference.Batches().at(0)).at("metrics")));
}

TEST_F(AggregatorTest, WithdrawalAndErasureDropPendingEvents) {
  w_.Shopper("a", {Purpose::kHqAggregates});
  w_.Shopper("b", {Purpose::kHqAggregates});
  w_.Shopper("c", {Purpose::kHqAggregates});
  EXPECT_EQ(w_.database().Count("sync_events"), 3);
  ASSERT_TRUE(w_.Withdraw(w_.Subject("a"), {Purpose::kHqAggregates}));
  EXPECT_EQ(w_.database().Count("sync_events"), 2);
  ASSERT_TRUE(w_.database().Write([&](store::Connection& c) -> Status {
    OPTIN_TRY(c.Execute("DELETE FROM subjects WHERE id = ?", w_.Subject("b")));
    return Ok();
  }));
  EXPECT_EQ(w_.database().Count("sync_events"), 1);
  w_.NextPeriod();
  EXPECT_EQ(SyncWorld::Metric(w_.Payload(w_.Batches().at(0)), "checkins_by_channel", "app"), 1);
}

TEST_F(AggregatorTest, ReleasedEventsAreDeletedAndPeriodsReleasedOnce) {
  w_.Shopper("a", {Purpose::kHqAggregates});
  w_.NextPeriod();
  // The release only marks them (the period row); the clean-up deletes them.
  EXPECT_EQ(w_.database().Count("sync_events"), 1);
  EXPECT_EQ(w_.CleanUp(), std::vector<int64_t>{1});
  EXPECT_EQ(w_.database().Count("sync_events"), 0);
  EXPECT_TRUE(ValueOrDie(w_.Release(), "again").empty());  // nothing new closed
  EXPECT_EQ(w_.Batches().size(), 1u);
  EXPECT_EQ(w_.database().Count("audit_log", "kind = 'hq.batch_released'"), 1);
}

TEST_F(AggregatorTest, ClockSteppingBackLosesNoEventAndReleasesNothingTwice) {
  w_.NextPeriod();
  w_.clock().SetUnix(kPeriodStart - 7200);  // two hours back
  w_.Shopper("a", {Purpose::kHqAggregates});
  EXPECT_TRUE(ValueOrDie(w_.Release(), "release").empty());
  w_.clock().SetUnix(kPeriodStart + 3600 + 60);
  EXPECT_TRUE(ValueOrDie(w_.Release(), "release").empty());
  w_.NextPeriod();
  auto batches = w_.Batches();
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(SyncWorld::Metric(w_.Payload(batches[1]), "checkins_by_channel", "app"), 1);
}

// After an outage of three days, each day is released on its own, in order, with each event
// in the day it happened and each day with its own full budget.
TEST(AggregatorCatchUpTest, ThreeDayOutageReleasesThreeDayBatchesEachEventInItsOwnDay) {
  SyncWorld w(sync::NoiseMode::kPrivate, DailyPolicy());
  w.clock().SetUnix(kDay + 3600);
  ASSERT_TRUE(w.Release().has_value());  // the day before: released, empty
  const size_t before = w.Batches().size();
  // Day 0: 1 shopper, day 1: 2, day 2: 3; nothing is released meanwhile.
  int n = 0;
  for (int day = 0; day < 3; ++day) {
    w.clock().SetUnix(kDay + day * 86'400 + 10 * 3600);
    for (int i = 0; i <= day; ++i) w.Shopper("s" + std::to_string(n++), {Purpose::kHqAggregates});
  }
  w.clock().SetUnix(kDay + 3 * 86'400 + 60);
  auto outcomes = ValueOrDie(w.Release(), "catch up");
  ASSERT_EQ(outcomes.size(), 3u);
  auto batches = w.Batches();
  ASSERT_EQ(batches.size(), before + 3);
  const int64_t share = DailyPolicy().period_epsilon_micros();
  EXPECT_EQ(share, 1'000'000);
  for (int day = 0; day < 3; ++day) {
    EXPECT_EQ(outcomes[day].outcome, "released");
    EXPECT_EQ(outcomes[day].period_start, kDay + day * 86'400);
    EXPECT_EQ(outcomes[day].period_end, kDay + (day + 1) * 86'400);
    EXPECT_EQ(outcomes[day].events, day + 1);
    EXPECT_EQ(outcomes[day].epsilon_micros, share);  // the day's whole budget, each day
    auto payload = w.Payload(batches[before + day]);
    EXPECT_EQ(payload.at("period").at("covers").as_array().size(), 1u);
  }
}

TEST(AggregatorCatchUpTest, ALongCatchUpGoesOnInStepsWithoutSkippingAPeriod) {
  sync::SyncPolicy policy = TestSyncPolicy();
  policy.max_catch_up_periods = 10;
  SyncWorld w(sync::NoiseMode::kExactForTests, policy);
  w.NextPeriod();
  w.Shopper("a", {Purpose::kHqAggregates});
  w.clock().Advance(std::chrono::hours(25));
  std::vector<sync::PeriodOutcome> all;
  for (int pass = 0; pass < 5; ++pass) {
    auto outcomes = ValueOrDie(w.Release(), "release");
    if (outcomes.empty()) break;
    EXPECT_LE(outcomes.size(), 10u);
    all.insert(all.end(), outcomes.begin(), outcomes.end());
  }
  ASSERT_EQ(all.size(), 25u);
  int64_t events = 0;
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].outcome, "released");
    if (i > 0) {
      EXPECT_EQ(all[i].period_start, all[i - 1].period_end);  // no gap
    }
    events += all[i].events;
  }
  EXPECT_EQ(all[0].events, 1);  // in the period it happened in
  EXPECT_EQ(events, 1);
}

// Hourly periods over a whole UTC day: 24 batches, every one with every label of every domain
// (negative noisy counts included: nothing is held back), each cell with its variance.
TEST(AggregatorNoDropTest, NoBatchDropsACellOrAPeriod) {
  SyncWorld w(sync::NoiseMode::kPrivate);
  w.clock().SetUnix(kDay + 60);
  ASSERT_TRUE(w.Release().has_value());
  const size_t before = w.Batches().size();
  for (int h = 0; h < 24; ++h) {
    w.Shopper("h" + std::to_string(h), {Purpose::kHqAggregates});
    w.NextPeriod();
  }
  auto batches = w.Batches();
  ASSERT_EQ(batches.size(), before + 24);
  size_t domain = 0;
  int64_t negative = 0, spent = 0;
  for (size_t i = before; i < batches.size(); ++i) {
    auto payload = w.Payload(batches[i]);
    size_t cells = 0;
    for (const auto& [metric, m] : payload.at("metrics").as_object()) {
      EXPECT_EQ(m.at("mechanism").as_string(), "discrete-laplace") << metric;
      const auto& c = m.at("cells").as_object();
      const auto& v = m.at("variance").as_object();
      EXPECT_EQ(c.size(), v.size()) << metric;
      for (const auto& [label, count] : c) {
        negative += count.as_int64() < 0;
        EXPECT_GT(v.at(label).to_number<double>(), 0.0) << metric << "/" << label;
      }
      cells += c.size();
    }
    if (domain == 0) domain = cells;
    EXPECT_EQ(cells, domain);
    spent += payload.at("privacy").at("epsilon_micros").as_int64();
  }
  EXPECT_EQ(domain, 1u + 3u + 24u + (assist::HelpDeskPolicy{}.topics.size() + 1) +
                        std::size(sync::kClaimBuckets) + 3u);
  EXPECT_GT(negative, 0);  // small noisy counts are sent as they are
  EXPECT_LE(spent, 1'000'000);
  EXPECT_GT(spent, 999'900);  // the day's shares, rounded down per period
}

// The noise of a metric has the variance its scale (cap / epsilon per period) gives, and the
// batch states exactly that variance for each cell.
TEST(AggregatorNoiseTest, VarianceOfAMetricsNoiseMatchesItsConfiguredScale) {
  SyncWorld w(sync::NoiseMode::kPrivate, DailyPolicy());
  w.NextPeriod();
  auto payload = w.Payload(w.Batches().at(0));
  const auto& total = payload.at("metrics").at("checkins_total").as_object();
  // Default: cap 1, epsilon 0.25 a day, released once a day: scale 4.
  EXPECT_EQ(total.at("scale").at("value").to_number<double>(), 4.0);
  EXPECT_EQ(total.at("epsilon_micros").as_int64(), 250'000);
  const double stated = SyncWorld::Variance(payload, "checkins_total", "all");
  EXPECT_NEAR(stated, 31.8339, 1e-3);  // 2a/(1-a)^2, a = exp(-1/4)
  // The sampler at that scale, 200,000 draws from a fixed seed.
  platform::SeededRandom random(20'261'206);
  const sync::DiscreteLaplace laplace(total.at("scale").at("num").to_number<uint64_t>(),
                                      total.at("scale").at("den").to_number<uint64_t>());
  double sum = 0, squares = 0;
  constexpr int kDraws = 200'000;
  for (int i = 0; i < kDraws; ++i) {
    const double x = static_cast<double>(laplace.Sample(random));
    sum += x;
    squares += x * x;
  }
  const double mean = sum / kDraws;
  const double variance = squares / kDraws - mean * mean;
  EXPECT_NEAR(mean, 0.0, 0.1);
  EXPECT_NEAR(variance / stated, 1.0, 0.03);
}

// A configuration changed within the day can leave less budget than a period's share: the
// period is still released, with what is left, and says so.
TEST(AggregatorBudgetTest, APeriodShortOfBudgetIsReleasedWithWhatIsLeftNeverDropped) {
  SyncWorld w(sync::NoiseMode::kPrivate);
  w.clock().SetUnix(kDay + 3600 + 60);
  // Earlier today, under another configuration: 0.99 spent.
  ASSERT_TRUE(w.database().Write([&](store::Connection& c) -> Status {
    OPTIN_TRY(
        c.Execute("INSERT INTO sync_periods(period_start, period_end, day, outcome, "
                  "epsilon_micros, decided_at) VALUES (?, ?, ?, 'released', 990000, ?)",
                  kDay, kDay + 3600, kDay / 86'400, kDay + 3600));
    return Ok();
  }));
  w.Shopper("a", {Purpose::kHqAggregates});
  auto outcomes = w.NextPeriod();
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].outcome, "reduced");
  EXPECT_EQ(outcomes[0].events, 1);
  EXPECT_LE(outcomes[0].epsilon_micros, 10'000);
  EXPECT_GT(outcomes[0].epsilon_micros, 9'000);
  auto payload = w.Payload(w.Batches().back());
  // Less epsilon, more noise, and the batch says how much more.
  EXPECT_GT(SyncWorld::Variance(payload, "checkins_total", "all"), 31.83 * 24 * 24);
}

// Development only: a manual release spends a period's epsilon from today's budget and is
// refused when the day has no room left for it and the periods still to come.
TEST(AggregatorManualReleaseTest, ReleaseNowSpendsBudgetAndIsRefusedWithoutRoom) {
  sync::SyncPolicy policy = TestSyncPolicy();
  // Both worlds release every hour of the day up to 03:00, then ask at 03:10.
  auto walk = [](SyncWorld& w) {
    w.clock().SetUnix(kDay + 60);
    ASSERT_TRUE(w.Release().has_value());
    for (int h = 0; h < 3; ++h) w.NextPeriod();
    w.clock().SetUnix(kDay + 3 * 3600 + 600);
  };
  SyncWorld tight(sync::NoiseMode::kExactForTests, policy);
  walk(tight);
  auto refused = tight.database().Write(
      [&](store::Connection& c) { return tight.aggregator().ReleaseNow(c); });
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().reason, "budget-exhausted");

  policy.epsilon_per_day_micros = 2'000'000;  // room beyond the shares' 1.0
  SyncWorld w(sync::NoiseMode::kExactForTests, policy);
  walk(w);
  w.Shopper("a", {Purpose::kHqAggregates});
  w.clock().Advance(std::chrono::seconds(1));  // released up to now: events before it
  auto released = ValueOrDie(
      w.database().Write([&](store::Connection& c) { return w.aggregator().ReleaseNow(c); }),
      "release now");
  ASSERT_EQ(released.size(), 1u);
  const auto& manual = released.back();
  EXPECT_TRUE(manual.manual);
  EXPECT_EQ(manual.period_start, kDay + 3 * 3600);
  EXPECT_EQ(manual.period_end, kDay + 3 * 3600 + 601);
  EXPECT_EQ(manual.events, 1);
  EXPECT_EQ(manual.epsilon_micros, policy.period_epsilon_micros());
  // The rest of the period is released when it closes, from where the manual one ended.
  w.Shopper("b", {Purpose::kHqAggregates});
  auto rest = w.NextPeriod();
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].period_start, kDay + 3 * 3600 + 601);
  EXPECT_EQ(rest[0].period_end, kDay + 4 * 3600);
  EXPECT_EQ(rest[0].events, 1);
  auto status = ValueOrDie(
      w.database().Read([&](store::Connection& c) { return w.aggregator().ReadStatus(c); }),
      "status");
  // 00-01, 01-02, 02-03, the manual 03:00-03:10 and 03:10-04:00.
  EXPECT_EQ(status.epsilon_spent_today_micros, 5 * policy.period_epsilon_micros());
  EXPECT_EQ(status.periods_released_today, 5);
}

// Asked in the first second of a period, "now" is the period that just closed: released by the
// manual release itself it is the answer; released already, nothing is left and it says so.
TEST(AggregatorManualReleaseTest, ReleaseNowAtAPeriodsEndReleasesThePeriodJustClosed) {
  sync::SyncPolicy policy = TestSyncPolicy();
  policy.epsilon_per_day_micros = 2'000'000;
  SyncWorld w(sync::NoiseMode::kExactForTests, policy);
  w.clock().SetUnix(kDay + 60);
  ASSERT_TRUE(w.Release().has_value());
  w.Shopper("a", {Purpose::kHqAggregates});
  w.clock().SetUnix(kDay + 2 * 3600);  // 01:00-02:00 closed this second, not yet released
  auto released = ValueOrDie(
      w.database().Write([&](store::Connection& c) { return w.aggregator().ReleaseNow(c); }),
      "release now");
  ASSERT_FALSE(released.empty());
  EXPECT_EQ(released.back().period_end, kDay + 2 * 3600);
  EXPECT_FALSE(released.back().manual);
  int64_t events = 0;
  for (const auto& o : released) events += o.events;
  EXPECT_EQ(events, 1);

  auto again =
      w.database().Write([&](store::Connection& c) { return w.aggregator().ReleaseNow(c); });
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().reason, "nothing-to-release");
}

// PRODUCT.md line 6: only aggregated, noised counts leave the box. Walks a batch: only these
// keys may appear, every count is an integer cell of a fixed label domain with the variance of
// its noise beside it, and nothing a person could be singled out by (ids, pseudonyms, times of
// events) is anywhere in it.
TEST(BatchSchemaTest, BatchHoldsNoPerPersonField) {
  SyncWorld w(sync::NoiseMode::kPrivate);
  auto staff = w.Staff("sam");
  for (int i = 0; i < 30; ++i) {
    auto visit = w.Shopper("s" + std::to_string(i),
                           {consent::Purpose::kAssistance, consent::Purpose::kHqAggregates});
    auto asked = w.Ask(visit, "checkout");
    ASSERT_TRUE(asked.has_value());
    ASSERT_TRUE(w.Claim(staff, asked->request.id).has_value());
  }
  w.NextPeriod();
  auto batches = w.Batches();
  ASSERT_EQ(batches.size(), 1u);
  auto parsed = ValueOrDie(privacy::ParseJws(batches[0].jws), "parse");
  EXPECT_EQ(parsed.header.at("typ").as_string(), "optin-hq-batch+jws");
  const json::object payload = w.Payload(batches[0]);

  const std::set<std::string> top = {"schema",     "batch_id",         "store_id", "period",
                                     "created_at", "software_version", "audit",    "privacy",
                                     "metrics",    "bundles"};
  const std::set<std::string> period = {"start", "end", "periods", "covers"};
  const std::set<std::string> audit = {"head", "intact"};
  const std::set<std::string> privacy_keys = {"unit", "epsilon_micros"};
  const std::set<std::string> metric_keys = {"mechanism", "cap",   "epsilon_micros",
                                             "scale",     "cells", "variance"};
  const std::set<std::string> scale = {"num", "den", "value"};
  std::set<std::string> metrics;
  for (const auto& m : sync::kMetricSpecs) metrics.insert(std::string(m.metric));
  auto keys_within = [](const json::object& o, const std::set<std::string>& allowed) {
    for (const auto& [k, v] : o) EXPECT_TRUE(allowed.count(std::string(k))) << "key " << k;
  };
  keys_within(payload, top);
  EXPECT_EQ(payload.at("schema").as_string(), "optin-hq-batch/2");
  keys_within(payload.at("period").as_object(), period);
  for (const auto& c : payload.at("period").at("covers").as_array()) {
    keys_within(c.as_object(), {"start", "end"});
  }
  keys_within(payload.at("audit").as_object(), audit);
  keys_within(payload.at("privacy").as_object(), privacy_keys);
  keys_within(payload.at("metrics").as_object(), metrics);
  EXPECT_EQ(payload.at("metrics").as_object().size(), metrics.size());
  std::set<std::string> labels = {"app", "loyalty_scan", "other", "running", "cycling", "all"};
  for (int h = 0; h < 24; ++h) labels.insert((h < 10 ? "0" : "") + std::to_string(h));
  for (const auto& t : assist::HelpDeskPolicy{}.topics) labels.insert(t);
  for (const auto& b : sync::kClaimBuckets) labels.insert(std::string(b.label));
  for (const auto& [metric, m] : payload.at("metrics").as_object()) {
    keys_within(m.as_object(), metric_keys);
    keys_within(m.at("scale").as_object(), scale);
    EXPECT_EQ(m.at("mechanism").as_string(), "discrete-laplace") << metric;
    for (const auto& [label, count] : m.at("cells").as_object()) {
      EXPECT_TRUE(labels.count(std::string(label))) << metric << "/" << label;
      ASSERT_TRUE(count.is_int64()) << metric << "/" << label;
      EXPECT_GT(m.at("variance").at(label).to_number<double>(), 0.0) << metric << "/" << label;
    }
  }
  // No scalar anywhere holds a subject id, pseudonym, staff id or visit id.
  const std::string text = json::serialize(payload);
  EXPECT_EQ(text.find(w.Subject("s0")), std::string::npos);
  EXPECT_EQ(text.find("sam"), std::string::npos);
  EXPECT_EQ(text.find("v_"), std::string::npos);
  EXPECT_EQ(payload.at("batch_id").as_string(),
            sync::BatchId("store-0042", payload.at("period").as_object().at("start").as_int64(),
                          payload.at("period").as_object().at("end").as_int64()));
  // Hourly periods in this world: each metric's day share over 24 periods.
  EXPECT_EQ(payload.at("metrics").at("checkins_total").at("epsilon_micros").as_int64(),
            250'000 / 24);
  EXPECT_EQ(payload.at("audit").as_object().at("head").as_string().size(), 64u);
}

// Merging sums the counts and the variances and lists every period; no part's scale survives.
TEST(BatchMergeTest, AMergedBatchStatesTheSumOfItsPartsVariances) {
  SyncWorld w(sync::NoiseMode::kPrivate);
  for (int i = 0; i < 3; ++i) w.NextPeriod();
  std::vector<sync::BatchContent> parts;
  ASSERT_TRUE(w.database().Read([&](store::Connection& c) -> Status {
    OPTIN_ASSIGN_OR_RETURN(auto stmt, c.Prepare("SELECT content FROM sync_outbox ORDER BY seq"));
    for (;;) {
      OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      OPTIN_ASSIGN_OR_RETURN(sync::BatchContent part,
                             sync::ContentFromJson(json::parse(stmt.ColumnText(0)).as_object()));
      parts.push_back(std::move(part));
    }
    return Ok();
  }));
  ASSERT_EQ(parts.size(), 3u);
  auto merged = ValueOrDie(sync::MergeContents(parts), "merge");
  const auto payload = sync::BatchPayload(merged);
  EXPECT_EQ(payload.at("period").at("periods").as_int64(), 3);
  const auto& covers = payload.at("period").at("covers").as_array();
  ASSERT_EQ(covers.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(covers[i].at("start").as_int64(), parts[i].period_start);
    EXPECT_EQ(covers[i].at("end").as_int64(), parts[i].period_end);
  }
  for (const auto& [name, m] : payload.at("metrics").as_object()) {
    EXPECT_FALSE(m.as_object().contains("scale")) << name;
    const auto& part = parts[0].metrics.at(name);
    EXPECT_EQ(m.at("epsilon_micros").as_int64(), 3 * part.epsilon_micros) << name;
    for (const auto& [label, v] : m.at("variance").as_object()) {
      double sum = 0;
      int64_t count = 0;
      for (const auto& p : parts) {
        sum += p.metrics.at(name).variance.at(label);
        count += p.metrics.at(name).cells.at(label);
      }
      EXPECT_DOUBLE_EQ(v.to_number<double>(), sum) << name << "/" << label;
      EXPECT_EQ(m.at("cells").at(label).as_int64(), count) << name << "/" << label;
    }
  }
  // And what the outbox's own merge signs says the same.
  auto again = ValueOrDie(sync::ContentFromJson(sync::ContentToJson(merged)), "round trip");
  EXPECT_EQ(json::serialize(sync::BatchPayload(again)), json::serialize(payload));
}

TEST(BatchIdTest, SamePeriodSameIdOtherwiseDifferent) {
  EXPECT_EQ(sync::BatchId("s", 0, 3600), sync::BatchId("s", 0, 3600));
  EXPECT_NE(sync::BatchId("s", 0, 3600), sync::BatchId("s", 3600, 7200));
  EXPECT_NE(sync::BatchId("s", 0, 3600), sync::BatchId("t", 0, 3600));
  EXPECT_EQ(sync::BatchId("s", 0, 3600).size(), 32u);
}

}  // namespace
}  // namespace optin::testing::aggregator_test
