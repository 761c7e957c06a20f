#include "sync/aggregator.h"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <functional>
#include <set>

#include "tests/unit/sync/sync_world.h"

namespace optin::testing {
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
  json::object expected_checkins{{"app", 1}, {"loyalty_scan", 0}, {"other", 0}, {"web", 0}};
  EXPECT_EQ(json::serialize(metrics.at("checkins_by_channel")), json::serialize(expected_checkins));
  const auto& topics = metrics.at("help_requests_by_topic").as_object();
  for (const auto& [label, count] : topics) {
    EXPECT_EQ(count.as_int64(), label == "checkout" ? 1 : 0) << label;
  }
  const auto& waits = metrics.at("time_to_claim_seconds").as_object();
  for (const auto& [label, count] : waits) {
    EXPECT_EQ(count.as_int64(), label == "30-60" ? 1 : 0) << label;
  }
  for (const auto& [label, count] : metrics.at("offer_views_by_category").as_object()) {
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

TEST_F(AggregatorTest, LongStopCatchesUpAtMostTheConfiguredPeriods) {
  w_.NextPeriod();
  w_.Shopper("a", {Purpose::kHqAggregates});
  w_.clock().Advance(std::chrono::hours(24 * 10));
  auto outcomes = ValueOrDie(w_.Release(), "release");
  ASSERT_FALSE(outcomes.empty());
  EXPECT_EQ(outcomes.front().outcome, "skipped");
  int64_t released = 0, events = 0;
  for (const auto& o : outcomes) {
    released += o.outcome == "released";
    events += o.events;
  }
  EXPECT_EQ(released, 48);
  EXPECT_EQ(events, 1);  // the skipped period's event counts in the first released one
}

TEST(AggregatorBudgetTest, PeriodThatWouldExceedTheDailyBudgetIsNotReleased) {
  sync::SyncPolicy policy = TestSyncPolicy();
  policy.epsilon_per_day_micros = 1'000'000;
  policy.epsilon_per_period_micros = 400'000;  // two periods fit in a day, the third does not
  SyncWorld w(sync::NoiseMode::kPrivate, policy);
  // Start at the beginning of a UTC day.
  const int64_t day = kPeriodStart / 86'400 * 86'400 + 86'400;
  w.clock().SetUnix(day + 60);
  ASSERT_TRUE(w.Release().has_value());
  w.Shopper("a", {consent::Purpose::kHqAggregates});
  std::vector<std::string> outcomes;
  for (int i = 0; i < 3; ++i) {
    for (const auto& o : w.NextPeriod()) outcomes.push_back(o.outcome);
  }
  EXPECT_EQ(outcomes, (std::vector<std::string>{"released", "released", "over-budget"}));
  EXPECT_EQ(w.Batches().size(), 3u);  // the one released on set-up and two of this day
  w.CleanUp();
  EXPECT_EQ(w.database().Count("sync_events"), 0);
  EXPECT_EQ(w.database().Count("sync_periods",
                               "day = ? AND outcome = 'over-budget' AND "
                               "epsilon_micros = 0",
                               day / 86'400),
            1);
  auto spent = ValueOrDie(w.database().Read([&](store::Connection& c) -> Result<int64_t> {
    OPTIN_ASSIGN_OR_RETURN(auto s, c.Prepare("SELECT sum(epsilon_micros) "
                                             "FROM sync_periods WHERE "
                                             "day = ?"));
    s.BindAll(day / 86'400);
    OPTIN_TRY(s.Step());
    return s.ColumnInt(0);
  }),
                          "spent");
  EXPECT_EQ(spent, 800'000);
  // The next day has a fresh budget.
  w.clock().SetUnix(day + 86'400 + 3600 + 60);
  auto next = ValueOrDie(w.Release(), "next day");
  EXPECT_EQ(next.back().outcome, "released");
}

// Walks a batch: only these keys may appear, and every metric value is an integer at or above
// the threshold. Nothing a person could be singled out by (ids, pseudonyms, times of events).
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

  const std::set<std::string> top = {"schema",           "batch_id",         "store_id", "period",
                                     "created_at",       "software_version", "audit",    "noise",
                                     "suppressed_cells", "metrics"};
  const std::set<std::string> period = {"start", "end", "periods"};
  const std::set<std::string> audit = {"head", "intact"};
  const std::set<std::string> noise = {"mechanism",   "scale_num",      "scale_den",
                                       "sensitivity", "suppress_below", "epsilon_micros",
                                       "caps"};
  const std::set<std::string> caps = {"checkins", "help_requests", "claims", "offer_views"};
  const std::set<std::string> metrics = {"checkins_by_channel", "help_requests_by_topic",
                                         "time_to_claim_seconds", "offer_views_by_category"};
  auto keys_within = [](const json::object& o, const std::set<std::string>& allowed) {
    for (const auto& [k, v] : o) EXPECT_TRUE(allowed.count(std::string(k))) << "key " << k;
  };
  keys_within(payload, top);
  keys_within(payload.at("period").as_object(), period);
  keys_within(payload.at("audit").as_object(), audit);
  keys_within(payload.at("noise").as_object(), noise);
  keys_within(payload.at("noise").as_object().at("caps").as_object(), caps);
  keys_within(payload.at("metrics").as_object(), metrics);
  std::set<std::string> labels = {"app", "loyalty_scan", "web", "other", "running", "cycling"};
  for (const auto& t : assist::HelpDeskPolicy{}.topics) labels.insert(t);
  for (const auto& b : sync::kClaimBuckets) labels.insert(std::string(b.label));
  for (const auto& [metric, cells] : payload.at("metrics").as_object()) {
    for (const auto& [label, count] : cells.as_object()) {
      EXPECT_TRUE(labels.count(std::string(label))) << metric << "/" << label;
      ASSERT_TRUE(count.is_int64()) << metric << "/" << label;
      EXPECT_GE(count.as_int64(), 10) << metric << "/" << label;
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
  EXPECT_EQ(payload.at("noise").as_object().at("mechanism").as_string(), "discrete-laplace");
  // Default: one day's epsilon of 1.0 over 24 hourly periods.
  EXPECT_EQ(payload.at("noise").as_object().at("epsilon_micros").as_int64(), 41'666);
  EXPECT_EQ(payload.at("audit").as_object().at("head").as_string().size(), 64u);
}

TEST(BatchIdTest, SamePeriodSameIdOtherwiseDifferent) {
  EXPECT_EQ(sync::BatchId("s", 0, 3600), sync::BatchId("s", 0, 3600));
  EXPECT_NE(sync::BatchId("s", 0, 3600), sync::BatchId("s", 3600, 7200));
  EXPECT_NE(sync::BatchId("s", 0, 3600), sync::BatchId("t", 0, 3600));
  EXPECT_EQ(sync::BatchId("s", 0, 3600).size(), 32u);
}

}  // namespace
}  // namespace optin::testing
