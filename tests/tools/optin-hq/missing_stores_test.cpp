// A store open on a day that sent nothing for it is missing that day: never counted as zero.
#include "tools/optin-hq/missing_stores.h"

#include <gtest/gtest.h>

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

TEST(MissingStoresTest, AnOpenStoreThatSentNothingIsMissing) {
  const StoreDirectory chain = Chain();
  EXPECT_EQ(MissingStores(chain, kJan1, {"a"}), (std::vector<std::string>{"b"}));
  EXPECT_EQ(MissingStores(chain, kJan1, {"a", "b"}), std::vector<std::string>{});
  EXPECT_EQ(MissingStores(chain, kJan1 + 1, {}), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(MissingStoresTest, AStoreNotYetOpenOrClosedForGoodIsNotMissing) {
  const StoreDirectory chain = Chain();
  // c opens on the 2nd: not missing on the 1st.
  EXPECT_EQ(MissingStores(chain, kJan1, {}), (std::vector<std::string>{"a", "b"}));
  // b is closed from the 3rd on.
  EXPECT_EQ(MissingStores(chain, kJan1 + 2, {}), (std::vector<std::string>{"a", "c"}));
  // A store that reports though it is not listed as open does not make another one missing.
  EXPECT_EQ(MissingStores(chain, kJan1 + 2, {"a", "b", "c"}), std::vector<std::string>{});
}

TEST(MissingStoresTest, ARangeListsTheMissingStoresOfEachDay) {
  const StoreDirectory chain = Chain();
  const ReportingDays reporting = {{kJan1, {"a", "b"}}, {kJan1 + 1, {"a", "c"}}};
  auto missing = MissingStoresByDay(chain, kJan1, kJan1 + 2, reporting);
  EXPECT_EQ(missing, (std::map<int64_t, std::vector<std::string>>{{kJan1 + 1, {"b"}},
                                                                  {kJan1 + 2, {"a", "c"}}}));
}

}  // namespace
}  // namespace optin::hq::missing_stores_test
