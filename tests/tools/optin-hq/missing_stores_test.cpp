// A store open on a day that sent nothing for it is missing that day: never counted as zero.
// Also the rule that keeps a store's reported days as maximal runs (summary_tables.h).
#include "tools/optin-hq/missing_stores.h"

#include <gtest/gtest.h>

#include "tools/optin-hq/store_directory.h"
#include "tools/optin-hq/utc_day.h"

namespace optin::hq::missing_stores_test {
namespace {

StoreDirectory Chain() {
  auto d = StoreDirectory::Parse(
      "id,name,region,country,opened,closed\n"
      "a,A,north,IT,2026-01-01,\n"
      "b,B,north,IT,2026-01-01,2026-01-03\n"  // closed for good from the 3rd
      "c,C,south,IT,2026-01-02,\n",           // opened on the 2nd
      StoresFormat::kCsv, "stores.csv");
  EXPECT_TRUE(d) << d.error().message;
  return std::move(*d);
}

const int64_t kJan1 = ParseIsoDate("2026-01-01").value();

// The missing days of `id` over [from, to] as offsets from Jan 1st, given its runs as offsets.
std::vector<DayRun> Missing(const StoreDirectory& chain, const std::string& id,
                            std::vector<std::pair<int64_t, int64_t>> runs, int64_t from,
                            int64_t to) {
  std::vector<ReportedRun> own;
  for (auto [a, b] : runs) own.push_back(ReportedRun{id, kJan1 + a, kJan1 + b});
  std::vector<DayRun> out;
  for (DayRun r : MissingDays(*chain.Find(id), own, kJan1 + from, kJan1 + to)) {
    out.push_back(DayRun{r.first_day - kJan1, r.last_day - kJan1});
  }
  return out;
}

TEST(MissingStoresTest, AnOpenStoreThatSentNothingIsMissingEveryDayItWasOpen) {
  const StoreDirectory chain = Chain();
  EXPECT_EQ(Missing(chain, "a", {}, 0, 9), (std::vector<DayRun>{{0, 9}}));
  EXPECT_EQ(Missing(chain, "a", {{0, 9}}, 0, 9), std::vector<DayRun>{});
  // The gaps between runs, before the first and after the last; runs reaching past the range.
  EXPECT_EQ(Missing(chain, "a", {{-5, 1}, {4, 5}, {8, 20}}, 0, 9),
            (std::vector<DayRun>{{2, 3}, {6, 7}}));
  EXPECT_EQ(Missing(chain, "a", {{2, 3}}, 0, 9), (std::vector<DayRun>{{0, 1}, {4, 9}}));
  // Runs wholly outside the range change nothing.
  EXPECT_EQ(Missing(chain, "a", {{-9, -2}, {12, 14}}, 0, 3), (std::vector<DayRun>{{0, 3}}));
}

TEST(MissingStoresTest, AStoreNotYetOpenOrClosedForGoodIsNotMissing) {
  const StoreDirectory chain = Chain();
  // c opens on the 2nd: not missing on the 1st.
  EXPECT_EQ(Missing(chain, "c", {}, 0, 3), (std::vector<DayRun>{{1, 3}}));
  // b is closed from the 3rd on, even though it reported later.
  EXPECT_EQ(Missing(chain, "b", {{5, 6}}, 0, 9), (std::vector<DayRun>{{0, 1}}));
  EXPECT_EQ(Missing(chain, "b", {}, 2, 9), std::vector<DayRun>{});
}

TEST(DayRunsTest, ADayNextToARunExtendsItAndADayBetweenTwoJoinsThem) {
  const std::vector<DayRun> none;
  auto alone = AddDayToRuns(none, 10);
  ASSERT_TRUE(alone);
  EXPECT_TRUE(alone->delete_first_days.empty());
  EXPECT_EQ(alone->insert, (DayRun{10, 10}));

  const std::vector<DayRun> before = {{5, 9}};
  auto extended = AddDayToRuns(before, 10);
  ASSERT_TRUE(extended);
  EXPECT_EQ(extended->delete_first_days, std::vector<int64_t>{5});
  EXPECT_EQ(extended->insert, (DayRun{5, 10}));

  const std::vector<DayRun> around = {{5, 9}, {11, 14}};
  auto joined = AddDayToRuns(around, 10);
  ASSERT_TRUE(joined);
  EXPECT_EQ(joined->delete_first_days, (std::vector<int64_t>{5, 11}));
  EXPECT_EQ(joined->insert, (DayRun{5, 14}));

  // Covered already: nothing to change.
  EXPECT_FALSE(AddDayToRuns(around, 12));
  // A run two days away does not touch.
  const std::vector<DayRun> apart = {{12, 14}};
  auto separate = AddDayToRuns(apart, 10);
  ASSERT_TRUE(separate);
  EXPECT_TRUE(separate->delete_first_days.empty());
  EXPECT_EQ(separate->insert, (DayRun{10, 10}));
}

}  // namespace
}  // namespace optin::hq::missing_stores_test
