// The epsilon tables (epsilon_spent.h) on both engines: kept at ingest per store, day and metric,
// read per day for the chain and per store-day against the policy, written by a bulk load, and
// filled by migration 9 from the signed batches stored before it.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <string>
#include <vector>

#include "platform/encoding.h"
#include "tests/tools/optin-hq/hq_store_fixture.h"
#include "tools/optin-hq/utc_day.h"

namespace optin::hq::hq_store_epsilon_test {
namespace {
namespace json = boost::json;

constexpr int64_t kDay = 20500;  // 2026-02-15
constexpr int64_t kPolicy = 500'000;

// A batch of `store` covering `days` (one period each), stating `stated` (or nothing).
BatchRecord Batch(const std::string& store, std::vector<int64_t> days,
                  std::optional<StatedEpsilon> stated) {
  BatchRecord b;
  b.store_id = store;
  b.batch_id = store + "/" + std::to_string(days.front()) + "/" + std::to_string(days.size());
  b.format_version = 2;
  for (int64_t d : days) b.periods.push_back(BatchPeriod{UtcDayStart(d), UtcDayStart(d + 1)});
  b.received_at = UtcDayStart(days.back() + 1) + 60;
  b.signed_batch = "signed-" + b.batch_id;
  b.cells.push_back(CellRecord{"checkins", "all", days.front(), 7, 2.0});
  b.stated_epsilon = std::move(stated);
  return b;
}

// A compact JWS of `payload` (migration 9 reads the payload; signatures were checked at ingest).
std::string Unsigned(const json::object& payload) {
  return platform::Base64UrlEncode(R"({"alg":"ES256"})") + "." +
         platform::Base64UrlEncode(json::serialize(payload)) + "." +
         platform::Base64UrlEncode("signature");
}

class HqStoreEpsilonTest : public HqStoreFixture {
 protected:
  // "store day micros batches unstated metric=micros ..." per listed store-day.
  static std::vector<std::string> Lines(const std::vector<EpsilonStoreDay>& days) {
    std::vector<std::string> out;
    for (const EpsilonStoreDay& d : days) {
      std::string line = d.store_id + " " + std::to_string(d.day - kDay) + " " +
                         std::to_string(d.micros) + " " + std::to_string(d.batches) + " " +
                         std::to_string(d.unstated);
      for (const auto& [m, micros] : d.metric_micros)
        line += " " + m + "=" + std::to_string(micros);
      out.push_back(line);
    }
    return out;
  }
  static std::vector<std::string> Lines(const std::vector<EpsilonChainDay>& days) {
    std::vector<std::string> out;
    for (const EpsilonChainDay& d : days) {
      out.push_back(std::to_string(d.day - kDay) + " stores=" + std::to_string(d.stores) +
                    " over=" + std::to_string(d.over_policy) + " max=" +
                    std::to_string(d.max_micros) + " unstated=" + std::to_string(d.unstated));
    }
    return out;
  }
  static EpsilonQuery Chain(int64_t limit = 100) {
    return EpsilonQuery{kDay, kDay + 2, std::nullopt, kPolicy, limit};
  }
  static EpsilonQuery Store(std::string id) {
    return EpsilonQuery{kDay, kDay + 2, std::move(id), kPolicy, 0};
  }
};

TEST_P(HqStoreEpsilonTest,
       IngestKeepsTheEpsilonPerStoreDayAndMetricAndTheViewFlagsItAgainstThePolicy) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  ASSERT_EQ(
      store->StoreBatch(Batch("s1", {kDay}, StatedEpsilon{{"a", 300'000}, {"b", 300'000}})).value(),
      IngestOutcome::kStored);
  ASSERT_EQ(store->StoreBatch(Batch("s2", {kDay}, StatedEpsilon{{"a", 200'000}})).value(),
            IngestOutcome::kStored);
  // Merged over two days: 1,000,001 spread, the remainder on the first.
  ASSERT_EQ(
      store->StoreBatch(Batch("s2", {kDay + 1, kDay + 2}, StatedEpsilon{{"a", 1'000'001}})).value(),
      IngestOutcome::kStored);
  ASSERT_EQ(store->StoreBatch(Batch("s3", {kDay}, std::nullopt)).value(), IngestOutcome::kStored);
  // A duplicate adds nothing.
  ASSERT_EQ(store->StoreBatch(Batch("s1", {kDay}, StatedEpsilon{{"a", 900'000}})).value(),
            IngestOutcome::kDuplicate);

  auto by_day = store->EpsilonByDay(kDay, kDay + 2, kPolicy);
  ASSERT_TRUE(by_day) << by_day.error().message;
  EXPECT_EQ(Lines(*by_day), (std::vector<std::string>{
                                "0 stores=3 over=1 max=600000 unstated=1",
                                "1 stores=1 over=1 max=500001 unstated=0",
                                "2 stores=1 over=0 max=500000 unstated=0",  // equal is within
                            }));
  auto flagged = store->EpsilonDays(Chain());
  ASSERT_TRUE(flagged) << flagged.error().message;
  EXPECT_EQ(Lines(*flagged), (std::vector<std::string>{
                                 "s1 0 600000 1 0 a=300000 b=300000",
                                 "s2 1 500001 1 0 a=500001",
                                 "s3 0 0 1 1",
                             }));
  // The limit keeps the highest.
  EXPECT_EQ(Lines(store->EpsilonDays(Chain(1)).value()),
            (std::vector<std::string>{"s1 0 600000 1 0 a=300000 b=300000"}));
  // A store's view lists each of its days, flagged or not.
  EXPECT_EQ(Lines(store->EpsilonDays(Store("s2")).value()), (std::vector<std::string>{
                                                                "s2 0 200000 1 0 a=200000",
                                                                "s2 1 500001 1 0 a=500001",
                                                                "s2 2 500000 1 0 a=500000",
                                                            }));
  EXPECT_TRUE(store->EpsilonDays(Store("nobody")).value().empty());
  // A second batch on a day adds to it.
  BatchRecord second = Batch("s2", {kDay}, StatedEpsilon{{"c", 400'000}});
  second.batch_id += "/second";
  ASSERT_EQ(store->StoreBatch(second).value(), IngestOutcome::kStored);
  EXPECT_EQ(Lines(store->EpsilonDays(Store("s2")).value()).front(),
            "s2 0 600000 2 0 a=200000 c=400000");
}

TEST_P(HqStoreEpsilonTest, ABulkLoadWritesTheEpsilonOfEachBatch) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  std::vector<BatchRecord> batches;
  for (int64_t d = 0; d < 3; ++d) {
    batches.push_back(Batch("s1", {kDay + d}, StatedEpsilon{{"a", 100'000 * (d + 1)}}));
  }
  batches.push_back(Batch("s2", {kDay + 1, kDay + 2}, StatedEpsilon{{"a", 1'200'000}}));
  ASSERT_TRUE(store->BulkLoad(batches));
  EXPECT_EQ(Lines(store->EpsilonByDay(kDay, kDay + 2, kPolicy).value()),
            (std::vector<std::string>{
                "0 stores=1 over=0 max=100000 unstated=0",
                "1 stores=2 over=1 max=600000 unstated=0",
                "2 stores=2 over=1 max=600000 unstated=0",
            }));
}

// A database written before migration 9: its batches' epsilon is read from their signed
// payloads (format 2 per metric, spread over merged periods; format 1 as "joint"; an unreadable
// one counted on its first day as unstated), over more than one page of batches.
TEST_P(HqStoreEpsilonTest, UpgradingFillsTheEpsilonTablesFromTheSignedBatchesStored) {
  const auto schema = HqSchema();
  const auto before = std::find_if(schema.begin(), schema.end(),
                                   [](const HqMigration& m) { return m.version == 9; });
  ASSERT_NE(before, schema.end());
  ASSERT_EQ(before->then, HqMigrationStep::kFillEpsilonFromBatches);
  {
    auto old = Open(std::span<const HqMigration>(schema.begin(), before));
    ASSERT_TRUE(old) << old.error().message;
  }
  const int64_t d0 = UtcDayStart(kDay);
  auto row = [](const std::string& id, const std::string& store, int format, int64_t start,
                int64_t end, const std::string& jws) {
    return "INSERT INTO hq_batches (batch_id, store_id, format_version, period_start, "
           "period_end, received_at, signed_batch, cells) VALUES ('" +
           id + "', '" + store + "', " + std::to_string(format) + ", " + std::to_string(start) +
           ", " + std::to_string(end) + ", " + std::to_string(end + 60) + ", '" + jws + "', 0);\n";
  };
  json::object merged{
      {"period",
       json::object{
           {"start", d0},
           {"end", d0 + 2 * 86400},
           {"covers", json::array{json::object{{"start", d0}, {"end", d0 + 86400}},
                                  json::object{{"start", d0 + 86400}, {"end", d0 + 2 * 86400}}}}}},
      {"metrics", json::object{{"checkins_total", json::object{{"epsilon_micros", 700'001}}},
                               {"help_requests", json::object{{"epsilon_micros", 100'000}}}}}};
  json::object v1{{"period", json::object{{"start", d0 + 86400}, {"end", d0 + 2 * 86400}}},
                  {"noise", json::object{{"epsilon_micros", 200'000}}},
                  {"metrics", json::object{}}};
  std::string sql = "BEGIN;\n";
  sql += row("m", "s1", 2, d0, d0 + 2 * 86400, Unsigned(merged));
  sql += row("v1", "s1", 1, d0 + 86400, d0 + 2 * 86400, Unsigned(v1));
  sql += row("bad", "s2", 2, d0 + 2 * 86400, d0 + 3 * 86400, "not a jws");
  // Past the first page of a thousand: one store's days before kDay, 10,000 each.
  for (int i = 1; i <= 1'005; ++i) {
    const int64_t s = UtcDayStart(kDay - i);
    json::object p{
        {"period",
         json::object{{"start", s},
                      {"end", s + 86400},
                      {"covers", json::array{json::object{{"start", s}, {"end", s + 86400}}}}}},
        {"metrics", json::object{{"checkins_total", json::object{{"epsilon_micros", 10'000}}}}}};
    sql += row("p" + std::to_string(i), "s9", 2, s, s + 86400, Unsigned(p));
  }
  const Status written = ExecSql(sql + "COMMIT;");
  ASSERT_TRUE(written) << written.error().message;

  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  EXPECT_EQ(Lines(store->EpsilonDays(Store("s1")).value()),
            (std::vector<std::string>{
                "s1 0 400001 1 0 checkins_total=350001 help_requests=50000",
                "s1 1 600000 2 0 checkins_total=350000 help_requests=50000 joint=200000",
            }));
  EXPECT_EQ(Lines(store->EpsilonDays(Store("s2")).value()),
            (std::vector<std::string>{"s2 2 0 1 1"}));
  const auto older = store->EpsilonByDay(kDay - 1'005, kDay - 1, kPolicy).value();
  ASSERT_EQ(older.size(), 1'005u);
  for (const EpsilonChainDay& d : older) {
    ASSERT_EQ(d.max_micros, 10'000) << d.day;
    ASSERT_EQ(d.stores, 1) << d.day;
  }
  // Ingest after the upgrade adds to what the migration filled.
  ASSERT_EQ(store->StoreBatch(Batch("s1", {kDay + 1}, StatedEpsilon{{"joint", 1}})).value(),
            IngestOutcome::kStored);
  EXPECT_EQ(Lines(store->EpsilonDays(Store("s1")).value()).back(),
            "s1 1 600001 3 0 checkins_total=350000 help_requests=50000 joint=200001");
}

INSTANTIATE_TEST_SUITE_P(Engines, HqStoreEpsilonTest,
                         ::testing::Values(Engine::kSqlite, Engine::kPostgres), EngineName);

}  // namespace
}  // namespace optin::hq::hq_store_epsilon_test
