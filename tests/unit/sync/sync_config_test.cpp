// The [sync] configuration's privacy checks: per-metric budgets that do not fit in the day's
// epsilon are refused at start naming the key; a budget that cannot cover every period of a day
// is refused; the removed suppress_below (and epsilon_per_period, cap_*) are refused with why
// they went and what to do instead; the defaults meet the accuracy goals of issue 14.
#include <gtest/gtest.h>

#include <cmath>

#include "app/config.h"
#include "sync/batch.h"
#include "sync/sync_policy.h"

namespace optin::testing::sync_config_test {
namespace {

Result<app::Config> Parse(std::string_view text) { return app::ParseConfig(text, "test.toml"); }

TEST(SyncBudgetConfigTest, SharesOverTheDaysEpsilonAreRefusedNamingTheKey) {
  auto c = Parse(R"([sync]
epsilon_per_day = "1.0"
[sync.budget]
checkins_total_epsilon = "0.5"
)");
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().field, "sync.budget");
  EXPECT_NE(c.error().message.find("checkins_total_epsilon 0.5"), std::string::npos)
      << c.error().message;
  EXPECT_NE(c.error().message.find("1.25"), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find("sync.epsilon_per_day"), std::string::npos);
  // The same shares fit a larger day.
  EXPECT_TRUE(Parse(R"([sync]
epsilon_per_day = "1.25"
[sync.budget]
checkins_total_epsilon = "0.5"
)")
                  .has_value());
}

TEST(SyncBudgetConfigTest, ABudgetThatCannotCoverEveryPeriodOfADayIsRefused) {
  auto c = Parse(R"([sync]
period_minutes = 1
[sync.budget]
time_to_claim_seconds_epsilon = "0.001"
)");
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().field, "sync.budget.time_to_claim_seconds_epsilon");
  EXPECT_NE(c.error().message.find("1440 periods"), std::string::npos) << c.error().message;
}

TEST(SyncBudgetConfigTest, SuppressBelowIsRefusedSayingWhyAndWhatToDo) {
  auto c = Parse("[sync]\nsuppress_below = 10\n");
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().field, "sync.suppress_below");
  EXPECT_NE(c.error().message.find("added no privacy"), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find("biased"), std::string::npos);
  EXPECT_NE(c.error().message.find("Delete the line"), std::string::npos);
  EXPECT_NE(c.error().message.find("fewer than N"), std::string::npos);
  for (std::string_view key : {"epsilon_per_period = \"0.5\"", "cap_checkins = 1"}) {
    auto old = Parse("[sync]\n" + std::string(key) + "\n");
    ASSERT_FALSE(old.has_value()) << key;
    EXPECT_NE(old.error().message.find("[sync.budget]"), std::string::npos) << key;
  }
  auto typo = Parse("[sync.budget]\ncheckins_totl_cap = 2\n");
  ASSERT_FALSE(typo.has_value());
  EXPECT_EQ(typo.error().field, "sync.budget.checkins_totl_cap");
}

TEST(SyncBudgetConfigTest, TheBudgetGivenIsTheBudgetUsed) {
  auto c = Parse(R"([sync]
period_minutes = 60
epsilon_per_day = "2.0"
allow_manual_release = true
[sync.budget]
checkins_total_cap = 2
checkins_total_epsilon = "0.48"
)");
  ASSERT_TRUE(c.has_value()) << c.error().message;
  auto p = app::SyncPrivacyPolicy(*c);
  ASSERT_TRUE(p.has_value()) << p.error().message;
  EXPECT_EQ(p->BudgetOf("checkins_total").cap, 2);
  EXPECT_EQ(p->MetricPeriodEpsilonMicros("checkins_total"), 20'000);
  EXPECT_EQ(p->epsilon_per_day_micros, 2'000'000);
  EXPECT_TRUE(c->sync.allow_manual_release);
}

// Issue 14's goals, from the defaults: a UTC day's release, epsilon at most 1.0 per shopper per
// day, a store's daily check-in total within +-5% at 95% for 300 check-ins, a chain-day of
// 5,000 stores within +-0.1%.
TEST(SyncBudgetConfigTest, TheDefaultsMeetTheAccuracyGoals) {
  auto p = app::SyncPrivacyPolicy(app::Config{});
  ASSERT_TRUE(p.has_value()) << p.error().message;
  EXPECT_EQ(p->period_seconds(), 86'400);
  EXPECT_LE(p->budgeted_epsilon_per_day_micros(), 1'000'000);
  EXPECT_LE(p->epsilon_per_day_micros, 1'000'000);
  const auto& total = p->BudgetOf(sync::kCheckinsTotal);
  const uint64_t num = static_cast<uint64_t>(total.cap) * 1'000'000u;
  const uint64_t den = static_cast<uint64_t>(p->MetricPeriodEpsilonMicros(sync::kCheckinsTotal));
  // Exact 95% half-width of one discrete Laplace cell: the smallest k with
  // P(|X| > k) = 2a^(k+1)/(1+a) <= 0.05.
  const double a = std::exp(-static_cast<double>(den) / static_cast<double>(num));
  int k = 0;
  while (2 * std::pow(a, k + 1) / (1 + a) > 0.05) ++k;
  EXPECT_LE(k, 15) << "+-" << k << " of 300 is more than 5%";
  const double chain = 1.96 * std::sqrt(5000 * sync::DiscreteLaplaceVariance(num, den));
  EXPECT_LE(chain / (5000.0 * 300.0), 0.001);
}

}  // namespace
}  // namespace optin::testing::sync_config_test
