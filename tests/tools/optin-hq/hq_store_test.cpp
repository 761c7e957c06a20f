// The same HQ store tests on both engines: SQLite in a temporary file and a real PostgreSQL 15
// server (one per test binary, a fresh database per test).
#include <gtest/gtest.h>

#include <array>
#include <map>

#include "tests/tools/optin-hq/hq_store_fixture.h"
#include "tools/optin-hq/utc_day.h"

namespace optin::hq::hq_store_test {
namespace {

constexpr int64_t kDay = 20500;  // 2026-02-15

// One store's daily batch: check-ins by channel, each cell with the variance its noise has.
BatchRecord DailyBatch(const std::string& store, int64_t day,
                       std::map<std::string, int64_t> checkins, double variance = 9.5) {
  BatchRecord b;
  b.store_id = store;
  b.batch_id = store + "/" + std::to_string(day);
  b.format_version = 2;
  b.periods = {BatchPeriod{UtcDayStart(day), UtcDayStart(day + 1)}};
  b.received_at = UtcDayStart(day + 1) + 60;
  b.signed_batch = "eyJhbGciOiJFUzI1NiJ9.eyJiYXRjaF9pZCI6IjEifQ.sig-" + b.batch_id;
  for (const auto& [label, value] : checkins) {
    b.cells.push_back(CellRecord{"checkins", label, day, value, variance});
  }
  b.cells.push_back(CellRecord{"help_topics", "sizes", day, 3, 2.0});
  return b;
}

class HqStoreTest : public HqStoreFixture {
 protected:
  static int64_t Total(const std::vector<FigureRow>& rows) {
    int64_t sum = 0;
    for (const FigureRow& r : rows) sum += r.value_sum;
    return sum;
  }
};

// The versions of the schema this build ships.
std::vector<int> SchemaVersions() {
  std::vector<int> v;
  for (const HqMigration& m : HqSchema()) v.push_back(m.version);
  return v;
}

TEST_P(HqStoreTest, MigrationsAreAppliedOnceAndReopeningAppliesOnlyNewOnes) {
  {
    auto store = OpenOrDie();
    ASSERT_TRUE(store);
    EXPECT_EQ(store->AppliedMigrations().value(), SchemaVersions());
    ASSERT_EQ(store->StoreBatch(DailyBatch("s1", kDay, {{"app", 5}})).value(),
              IngestOutcome::kStored);
  }
  // Reopening (a restart) applies nothing again: a second CREATE TABLE would fail the open.
  {
    auto store = OpenOrDie();
    ASSERT_TRUE(store);
    EXPECT_EQ(store->AppliedMigrations().value(), SchemaVersions());
    EXPECT_EQ(store->ListBatches("s1").value().size(), 1u);
  }
  // A later version adds a migration: only that one runs, on this restart and never again.
  std::vector<HqMigration> grown(HqSchema().begin(), HqSchema().end());
  const int next = grown.back().version + 1;
  grown.push_back(HqMigration{next, "test: a probe table", "CREATE TABLE hq_probe (x INTEGER)"});
  std::vector<int> grown_versions = SchemaVersions();
  grown_versions.push_back(next);
  for (int restart = 0; restart < 2; ++restart) {
    auto store = Open(grown);
    ASSERT_TRUE(store) << store.error().message;
    EXPECT_EQ((*store)->AppliedMigrations().value(), grown_versions);
    EXPECT_EQ((*store)->ListBatches("s1").value().size(), 1u);
  }
}

TEST_P(HqStoreTest, ABatchIsStoredWithItsSignedFormPeriodsFormatAndCells) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  const BatchRecord b = DailyBatch("s1", kDay, {{"app", 12}, {"loyalty", -3}, {"web", 0}});
  auto outcome = store->StoreBatch(b);
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_EQ(*outcome, IngestOutcome::kStored);

  auto list = store->ListBatches("s1");
  ASSERT_TRUE(list) << list.error().message;
  ASSERT_EQ(list->size(), 1u);
  const BatchSummary& s = list->front();
  EXPECT_EQ(s.batch_id, b.batch_id);
  EXPECT_EQ(s.store_id, "s1");
  EXPECT_EQ(s.format_version, 2);
  EXPECT_EQ(s.signed_batch, b.signed_batch);
  EXPECT_EQ(s.received_at, b.received_at);
  ASSERT_EQ(s.periods.size(), 1u);
  EXPECT_EQ(s.periods[0].start, UtcDayStart(kDay));
  EXPECT_EQ(s.periods[0].end, UtcDayStart(kDay + 1));
  EXPECT_EQ(s.cell_count, 4);
  EXPECT_TRUE(store->ListBatches("s2").value().empty());
}

TEST_P(HqStoreTest, ADuplicateBatchIdAnswersDuplicateAndDoublesNothing) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  const BatchRecord first = DailyBatch("s1", kDay, {{"app", 10}, {"web", 4}});
  ASSERT_EQ(store->StoreBatch(first).value(), IngestOutcome::kStored);
  // A retry of the same period may come re-signed and (in a faulty box) with other values.
  BatchRecord retry = DailyBatch("s1", kDay, {{"app", 99}, {"web", 99}});
  retry.signed_batch += "-resigned";
  auto outcome = store->StoreBatch(retry);
  ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_EQ(*outcome, IngestOutcome::kDuplicate);

  auto list = store->ListBatches("s1").value();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].signed_batch, first.signed_batch);
  EXPECT_EQ(list[0].cell_count, 3);
  auto rows = store->SumCells(FiguresQuery{"checkins", std::nullopt, kDay, kDay, std::nullopt});
  ASSERT_TRUE(rows) << rows.error().message;
  EXPECT_EQ(Total(*rows), 14);
}

TEST_P(HqStoreTest, AFailingCellInsertLeavesNothingOfTheUpload) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  // The same cell twice: the database refuses the second insert, after the batch row, its
  // period and the first cells were written in the same transaction.
  BatchRecord bad = DailyBatch("s1", kDay, {{"app", 10}, {"web", 4}});
  bad.cells.push_back(bad.cells.front());
  auto outcome = store->StoreBatch(bad);
  ASSERT_FALSE(outcome);
  EXPECT_EQ(outcome.error().code, ErrorCode::kConflict) << outcome.error().message;

  EXPECT_TRUE(store->ListBatches("s1").value().empty());
  EXPECT_TRUE(store->SumCells(FiguresQuery{"checkins", std::nullopt, kDay, kDay, std::nullopt})
                  .value()
                  .empty());
  EXPECT_TRUE(store->ReportingStores(kDay, kDay).value().empty());
  // Nothing half-stored blocks the corrected upload of the same batch id.
  EXPECT_EQ(store->StoreBatch(DailyBatch("s1", kDay, {{"app", 10}})).value(),
            IngestOutcome::kStored);
}

// One upload, one transaction: its batches' outcomes in order (a repeat is a duplicate), and a
// batch that fails leaves nothing of the whole upload.
TEST_P(HqStoreTest, AnUploadsBatchesAreStoredInOneTransaction) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  ASSERT_EQ(store->StoreBatch(DailyBatch("s1", kDay, {{"app", 1}})).value(),
            IngestOutcome::kStored);
  const std::vector<BatchRecord> upload = {DailyBatch("s1", kDay, {{"app", 1}}),
                                           DailyBatch("s1", kDay + 1, {{"app", 2}}),
                                           DailyBatch("s1", kDay + 1, {{"app", 2}})};
  auto outcomes = store->StoreBatches(upload);
  ASSERT_TRUE(outcomes) << outcomes.error().message;
  EXPECT_EQ(*outcomes,
            (std::vector<IngestOutcome>{IngestOutcome::kDuplicate, IngestOutcome::kStored,
                                        IngestOutcome::kDuplicate}));
  BatchRecord bad = DailyBatch("s1", kDay + 3, {{"app", 4}});
  bad.cells.push_back(bad.cells.front());  // the database refuses the second copy
  const std::vector<BatchRecord> failing = {DailyBatch("s1", kDay + 2, {{"app", 3}}), bad};
  EXPECT_FALSE(store->StoreBatches(failing));
  EXPECT_EQ(store->ListBatches("s1").value().size(), 2u);  // kDay + 2 was not kept either
}

TEST_P(HqStoreTest, SumsOfValuesAndVariancesAreGroupedByDayAndStore) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  // Two stores over three days; a negative noisy value is summed as it is (no clamping).
  for (int64_t d = 0; d < 3; ++d) {
    ASSERT_EQ(
        store->StoreBatch(DailyBatch("s1", kDay + d, {{"app", 10 + d}, {"web", -2}}, 1.25)).value(),
        IngestOutcome::kStored);
    ASSERT_EQ(
        store->StoreBatch(DailyBatch("s2", kDay + d, {{"app", 100}, {"web", 7}}, 0.5)).value(),
        IngestOutcome::kStored);
  }
  // A day outside the range and another metric are not counted.
  ASSERT_EQ(store->StoreBatch(DailyBatch("s1", kDay + 5, {{"app", 1000}})).value(),
            IngestOutcome::kStored);

  auto rows =
      store->SumCells(FiguresQuery{"checkins", std::nullopt, kDay + 1, kDay + 2, std::nullopt});
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->size(), 4u);
  const std::array<FigureRow, 4> want = {
      FigureRow{kDay + 1, "s1", 11 - 2, 2.5, 2}, FigureRow{kDay + 1, "s2", 107, 1.0, 2},
      FigureRow{kDay + 2, "s1", 12 - 2, 2.5, 2}, FigureRow{kDay + 2, "s2", 107, 1.0, 2}};
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ((*rows)[i].day, want[i].day) << i;
    EXPECT_EQ((*rows)[i].store_id, want[i].store_id) << i;
    EXPECT_EQ((*rows)[i].value_sum, want[i].value_sum) << i;
    EXPECT_DOUBLE_EQ((*rows)[i].variance_sum, want[i].variance_sum) << i;
    EXPECT_EQ((*rows)[i].cells, want[i].cells) << i;
  }
  // One label, one store.
  auto app = store->SumCells(FiguresQuery{"checkins", "app", kDay, kDay + 2, "s1"});
  ASSERT_TRUE(app) << app.error().message;
  ASSERT_EQ(app->size(), 3u);
  EXPECT_EQ(Total(*app), 10 + 11 + 12);
  EXPECT_DOUBLE_EQ((*app)[0].variance_sum, 1.25);
  // A variance that is not a small binary fraction survives the round trip.
  ASSERT_EQ(store->StoreBatch(DailyBatch("s3", kDay, {{"app", 1}}, 204.1234567891)).value(),
            IngestOutcome::kStored);
  auto s3 = store->SumCells(FiguresQuery{"checkins", "app", kDay, kDay, "s3"}).value();
  ASSERT_EQ(s3.size(), 1u);
  EXPECT_DOUBLE_EQ(s3[0].variance_sum, 204.1234567891);
}

TEST_P(HqStoreTest, AMergedBatchReportsForEachOfItsPeriodsDays) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  BatchRecord merged = DailyBatch("s1", kDay, {{"app", 4}});
  merged.periods.push_back(BatchPeriod{UtcDayStart(kDay + 1), UtcDayStart(kDay + 2)});
  ASSERT_EQ(store->StoreBatch(merged).value(), IngestOutcome::kStored);
  ASSERT_EQ(store->StoreBatch(DailyBatch("s2", kDay + 1, {{"app", 4}})).value(),
            IngestOutcome::kStored);

  auto list = store->ListBatches("s1").value();
  ASSERT_EQ(list.size(), 1u);
  ASSERT_EQ(list[0].periods.size(), 2u);
  EXPECT_EQ(list[0].periods[1].start, UtcDayStart(kDay + 1));

  auto reporting = store->ReportingStores(kDay - 1, kDay + 3);
  ASSERT_TRUE(reporting) << reporting.error().message;
  EXPECT_EQ(*reporting, (ReportingDays{{kDay, {"s1"}}, {kDay + 1, {"s1", "s2"}}}));
}

TEST_P(HqStoreTest, BulkLoadStoresEveryBatchOnceAndItsSums) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  std::vector<BatchRecord> batches;
  for (int s = 0; s < 20; ++s) {
    for (int64_t d = 0; d < 10; ++d) {
      batches.push_back(DailyBatch("s" + std::to_string(s), kDay + d, {{"app", s}, {"web", 1}}));
    }
  }
  // COPY's text format escapes these; they must arrive unchanged.
  batches[0].signed_batch = "tab\there\nnewline\\backslash\rcr";
  auto cells = store->BulkLoad(batches);
  ASSERT_TRUE(cells) << cells.error().message;
  EXPECT_EQ(*cells, 200 * 3);

  auto rows = store->SumCells(FiguresQuery{"checkins", std::nullopt, kDay, kDay + 9, std::nullopt});
  ASSERT_TRUE(rows) << rows.error().message;
  EXPECT_EQ(rows->size(), 200u);
  EXPECT_EQ(Total(*rows), 10 * (190 + 20));
  EXPECT_EQ(store->ListBatches("s0").value().front().signed_batch, batches[0].signed_batch);
  // Loaded batches are known to ingest: a late upload of one is a duplicate.
  EXPECT_EQ(store->StoreBatch(batches[42]).value(), IngestOutcome::kDuplicate);
  // A load repeating an id fails whole.
  std::vector<BatchRecord> again = {DailyBatch("new", kDay, {{"app", 1}}), batches[7]};
  EXPECT_FALSE(store->BulkLoad(again));
  EXPECT_TRUE(store->ListBatches("new").value().empty());
}

TEST_P(HqStoreTest, ABatchRecordWithAnUnknownFormatIsRefusedNamingTheField) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  BatchRecord b = DailyBatch("s1", kDay, {{"app", 1}});
  b.format_version = 3;
  auto outcome = store->StoreBatch(b);
  ASSERT_FALSE(outcome);
  EXPECT_EQ(outcome.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(outcome.error().field, "format_version");
  EXPECT_TRUE(store->ListBatches("s1").value().empty());
}

INSTANTIATE_TEST_SUITE_P(Engines, HqStoreTest,
                         ::testing::Values(Engine::kSqlite, Engine::kPostgres), EngineName);

}  // namespace
}  // namespace optin::hq::hq_store_test
