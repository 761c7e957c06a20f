// The same HQ store tests on both engines: SQLite in a temporary file and a real PostgreSQL 15
// server (one per test binary, a fresh database per test).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <map>
#include <thread>

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
  // A fault in the database: from now on it refuses to write any cell labelled "poison" (a
  // trigger), after the batch's own row and periods were written in the same transaction.
  void PoisonTheLabelPoison() {
    const Status installed = ExecSql(
        GetParam() == Engine::kPostgres
            ? "CREATE FUNCTION hq_test_poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
              "RAISE EXCEPTION 'poisoned cell' USING ERRCODE = 'unique_violation'; END $$;"
              "CREATE TRIGGER hq_test_poison BEFORE INSERT ON hq_cell_sums FOR EACH ROW WHEN "
              "(NEW.label = 'poison') EXECUTE FUNCTION hq_test_poison();"
            : "CREATE TRIGGER hq_test_poison BEFORE INSERT ON hq_cell_sums WHEN NEW.label = "
              "'poison' BEGIN SELECT RAISE(ABORT, 'poisoned cell'); END;");
    ASSERT_TRUE(installed) << installed.error().message;
  }
  static int64_t Total(const std::vector<DaySum>& rows) {
    int64_t sum = 0;
    for (const DaySum& r : rows) sum += r.value_sum;
    return sum;
  }
  static std::optional<std::vector<std::string>> Only(std::vector<std::string> ids) { return ids; }
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
  auto rows = store->SumByDay(
      FiguresQuery{"checkins", std::nullopt, kDay, kDay, std::nullopt, std::nullopt});
  ASSERT_TRUE(rows) << rows.error().message;
  EXPECT_EQ(Total(*rows), 14);
  EXPECT_EQ(Total(store
                      ->SumByDay(FiguresQuery{"checkins", std::nullopt, kDay, kDay, Only({"s1"}),
                                              std::nullopt})
                      .value()),
            14);
}

TEST_P(HqStoreTest, AFailingCellInsertLeavesNothingOfTheUpload) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  PoisonTheLabelPoison();
  // The database refuses a cell after the batch row, its period and the first cells were
  // written in the same transaction.
  const BatchRecord bad = DailyBatch("s1", kDay, {{"app", 10}, {"poison", 4}, {"web", 4}});
  auto outcome = store->StoreBatch(bad);
  ASSERT_FALSE(outcome);
  EXPECT_EQ(outcome.error().code, ErrorCode::kConflict) << outcome.error().message;

  EXPECT_TRUE(store->ListBatches("s1").value().empty());
  EXPECT_TRUE(
      store
          ->SumByDay(FiguresQuery{"checkins", std::nullopt, kDay, kDay, std::nullopt, std::nullopt})
          .value()
          .empty());
  EXPECT_TRUE(
      store
          ->SumByDay(FiguresQuery{"checkins", std::nullopt, kDay, kDay, Only({"s1"}), std::nullopt})
          .value()
          .empty());
  EXPECT_TRUE(store->ReportedRuns(kDay, kDay, std::nullopt).value().empty());
  // Nothing half-stored blocks the corrected upload of the same batch id.
  EXPECT_EQ(store->StoreBatch(DailyBatch("s1", kDay, {{"app", 10}})).value(),
            IngestOutcome::kStored);
}

// Cells are kept summed per store, day, metric and label, so a batch that counts one cell twice
// would count it double: it is refused before anything is written.
TEST_P(HqStoreTest, ABatchWithTheSameCellTwiceIsRefusedAndStoresNothing) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  BatchRecord twice = DailyBatch("s1", kDay, {{"app", 10}, {"web", 4}});
  twice.cells.push_back(twice.cells.front());
  auto outcome = store->StoreBatch(twice);
  ASSERT_FALSE(outcome);
  EXPECT_EQ(outcome.error().code, ErrorCode::kInvalidArgument) << outcome.error().message;
  EXPECT_EQ(outcome.error().field, "cells/3");
  EXPECT_TRUE(store->ListBatches("s1").value().empty());
  EXPECT_TRUE(
      store->SumByDay(FiguresQuery{"checkins", "app", kDay, kDay, Only({"s1"}), std::nullopt})
          .value()
          .empty());
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
  PoisonTheLabelPoison();
  const BatchRecord bad = DailyBatch("s1", kDay + 3, {{"app", 4}, {"poison", 1}});
  const std::vector<BatchRecord> failing = {DailyBatch("s1", kDay + 2, {{"app", 3}}), bad};
  EXPECT_FALSE(store->StoreBatches(failing));
  EXPECT_EQ(store->ListBatches("s1").value().size(), 2u);  // kDay + 2 was not kept either
}

TEST_P(HqStoreTest, SumsOfValuesAndVariancesAreGroupedByDayForTheChainAStoreSetOrALabel) {
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

  auto check = [](const std::vector<DaySum>& rows, const std::vector<DaySum>& want) {
    ASSERT_EQ(rows.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ(rows[i].day, want[i].day) << i;
      EXPECT_EQ(rows[i].value_sum, want[i].value_sum) << i;
      EXPECT_DOUBLE_EQ(rows[i].variance_sum, want[i].variance_sum) << i;
      EXPECT_EQ(rows[i].cells, want[i].cells) << i;
    }
  };
  const std::vector<DaySum> both = {DaySum{kDay + 1, 11 - 2 + 107, 3.5, 4},
                                    DaySum{kDay + 2, 12 - 2 + 107, 3.5, 4}};
  // The chain (its own summary), the two stores named, and one store: the same sums.
  auto chain = store->SumByDay(
      FiguresQuery{"checkins", std::nullopt, kDay + 1, kDay + 2, std::nullopt, std::nullopt});
  ASSERT_TRUE(chain) << chain.error().message;
  check(*chain, both);
  auto named = store->SumByDay(
      FiguresQuery{"checkins", std::nullopt, kDay + 1, kDay + 2, Only({"s1", "s2"}), std::nullopt});
  ASSERT_TRUE(named) << named.error().message;
  check(*named, both);
  check(store
            ->SumByDay(FiguresQuery{"checkins", std::nullopt, kDay + 1, kDay + 2, Only({"s2"}),
                                    std::nullopt})
            .value(),
        {DaySum{kDay + 1, 107, 1.0, 2}, DaySum{kDay + 2, 107, 1.0, 2}});
  // One label: the chain's, and one store's.
  check(store->SumByDay(FiguresQuery{"checkins", "web", kDay, kDay + 2, std::nullopt, std::nullopt})
            .value(),
        {DaySum{kDay, 5, 1.75, 2}, DaySum{kDay + 1, 5, 1.75, 2}, DaySum{kDay + 2, 5, 1.75, 2}});
  auto app =
      store->SumByDay(FiguresQuery{"checkins", "app", kDay, kDay + 2, Only({"s1"}), std::nullopt});
  ASSERT_TRUE(app) << app.error().message;
  ASSERT_EQ(app->size(), 3u);
  EXPECT_EQ(Total(*app), 10 + 11 + 12);
  EXPECT_DOUBLE_EQ((*app)[0].variance_sum, 1.25);
  // Nobody named, nobody summed.
  EXPECT_TRUE(
      store
          ->SumByDay(FiguresQuery{"checkins", std::nullopt, kDay, kDay + 2, Only({}), std::nullopt})
          .value()
          .empty());
  // A variance that is not a small binary fraction survives the round trip.
  ASSERT_EQ(store->StoreBatch(DailyBatch("s3", kDay, {{"app", 1}}, 204.1234567891)).value(),
            IngestOutcome::kStored);
  auto s3 = store->SumByDay(FiguresQuery{"checkins", "app", kDay, kDay, Only({"s3"}), std::nullopt})
                .value();
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

  auto runs = store->ReportedRuns(kDay - 1, kDay + 3, std::nullopt);
  ASSERT_TRUE(runs) << runs.error().message;
  ASSERT_EQ(runs->size(), 2u);
  EXPECT_EQ((*runs)[0].store_id, "s1");
  EXPECT_EQ(((*runs)[0].first_day), kDay);
  EXPECT_EQ(((*runs)[0].last_day), kDay + 1);
  EXPECT_EQ((*runs)[1].store_id, "s2");
  EXPECT_EQ(((*runs)[1].first_day), kDay + 1);
  EXPECT_EQ(((*runs)[1].last_day), kDay + 1);
}

// Batches arriving out of order (a box catching up) still make one run per stretch of days
// reported: a day next to a run extends it, a day between two joins them, a repeat changes
// nothing; runs that only meet the range are listed whole.
TEST_P(HqStoreTest, ReportedDaysAreKeptAsRunsWhateverOrderTheyArriveIn) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  for (int64_t d : {5, 1, 2, 9, 3, 7, 6, 2}) {
    BatchRecord b = DailyBatch("s1", kDay + d, {{"app", 1}});
    if (d == 2) b.batch_id += "-" + std::to_string(store->ListBatches("s1").value().size());
    ASSERT_TRUE(store->StoreBatch(b)) << d;
  }
  ASSERT_TRUE(store->StoreBatch(DailyBatch("s2", kDay + 4, {{"app", 1}})));
  auto runs = store->ReportedRuns(kDay + 3, kDay + 8, Only({"s1"}));
  ASSERT_TRUE(runs) << runs.error().message;
  std::vector<std::pair<int64_t, int64_t>> got;
  for (const ReportedRun& r : *runs) got.emplace_back(r.first_day - kDay, r.last_day - kDay);
  EXPECT_EQ(got, (std::vector<std::pair<int64_t, int64_t>>{{1, 3}, {5, 7}}));
  EXPECT_EQ(store->ReportedRuns(kDay, kDay + 20, std::nullopt).value().size(), 4u);  // + s2, 9
}

// One upload carrying many days of a store (a box catching up; PostgreSQL writes each table once
// for the whole upload) keeps the same runs and sums as the same batches stored one by one.
TEST_P(HqStoreTest, AnUploadOfManyDaysKeepsTheRunsAndSumsOfItsBatchesStoredOneByOne) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  auto batches_of = [](const std::string& id) {
    std::vector<BatchRecord> out;
    for (int64_t d : {1, 5, 3, 9, 4, 7}) {
      out.push_back(DailyBatch(id, kDay + d, {{"app", d}, {"web", 10 + d}}));
    }
    BatchRecord merged = DailyBatch(id, kDay + 11, {{"app", 100}});
    merged.periods.push_back(BatchPeriod{UtcDayStart(kDay + 12), UtcDayStart(kDay + 13)});
    out.push_back(merged);
    BatchRecord again = DailyBatch(id, kDay + 3, {{"web", 1000}});  // a second batch on a day
    again.batch_id += "/again";
    out.push_back(again);
    return out;
  };
  // Both stores reported day 2 before: the upload joins runs to it.
  ASSERT_TRUE(store->StoreBatch(DailyBatch("one", kDay + 2, {{"app", 2}})));
  ASSERT_TRUE(store->StoreBatch(DailyBatch("many", kDay + 2, {{"app", 2}})));
  for (const BatchRecord& b : batches_of("one")) {
    ASSERT_EQ(store->StoreBatch(b).value(), IngestOutcome::kStored) << b.batch_id;
  }
  const std::vector<BatchRecord> upload = batches_of("many");
  auto outcomes = store->StoreBatches(upload);
  ASSERT_TRUE(outcomes) << outcomes.error().message;
  EXPECT_EQ(*outcomes, std::vector<IngestOutcome>(upload.size(), IngestOutcome::kStored));

  auto runs_of = [&](const std::string& id) {
    std::vector<std::pair<int64_t, int64_t>> got;
    const auto runs = store->ReportedRuns(kDay, kDay + 20, Only({id})).value();
    for (const ReportedRun& r : runs) got.emplace_back(r.first_day - kDay, r.last_day - kDay);
    return got;
  };
  EXPECT_EQ(runs_of("many"),
            (std::vector<std::pair<int64_t, int64_t>>{{1, 5}, {7, 7}, {9, 9}, {11, 12}}));
  EXPECT_EQ(runs_of("many"), runs_of("one"));
  for (const std::optional<std::string>& label :
       {std::optional<std::string>(), std::optional<std::string>("app"),
        std::optional<std::string>("web")}) {
    auto rows_of = [&](const std::string& id) {
      std::vector<std::tuple<int64_t, int64_t, double, int64_t>> got;
      const auto rows =
          store
              ->SumByDay(FiguresQuery{"checkins", label, kDay, kDay + 20, Only({id}), std::nullopt})
              .value();
      for (const DaySum& r : rows) {
        got.emplace_back(r.day - kDay, r.value_sum, r.variance_sum, r.cells);
      }
      return got;
    };
    EXPECT_EQ(rows_of("many"), rows_of("one")) << label.value_or("(all labels)");
    EXPECT_FALSE(rows_of("many").empty());
  }
  EXPECT_EQ(Total(store
                      ->SumByDay(FiguresQuery{"checkins", "web", kDay + 3, kDay + 3, Only({"many"}),
                                              std::nullopt})
                      .value()),
            13 + 1000);
}

// An upload whose rows need more parameters than one PostgreSQL statement takes (65,535: here the
// chain's day sums alone are 3,000 days x 4 labels x 6 values) is stored whole.
TEST_P(HqStoreTest, AnUploadTooLargeForOneStatementIsStoredWhole) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  std::vector<BatchRecord> upload;
  for (int64_t d = 0; d < 3'000; ++d) {
    upload.push_back(DailyBatch("s1", kDay - d, {{"app", 1}, {"web", 2}, {"kiosk", 3}}));
  }
  auto outcomes = store->StoreBatches(upload);
  ASSERT_TRUE(outcomes) << outcomes.error().message;
  EXPECT_EQ(*outcomes, std::vector<IngestOutcome>(upload.size(), IngestOutcome::kStored));
  const auto rows = store
                        ->SumByDay(FiguresQuery{"checkins", std::nullopt, kDay - 2'999, kDay,
                                                std::nullopt, std::nullopt})
                        .value();
  EXPECT_EQ(rows.size(), 3'000u);
  EXPECT_EQ(Total(rows), 3'000 * 6);
  const auto runs = store->ReportedRuns(kDay - 2'999, kDay, std::nullopt).value();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].first_day, kDay - 2'999);
  EXPECT_EQ(runs[0].last_day, kDay);
}

// RebuildSummaries (and the migration that introduced the summaries) recompute from the batches
// what ingest added one by one.
TEST_P(HqStoreTest, RebuildingTheSummariesGivesWhatIngestKept) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  for (int64_t d : {0, 1, 3}) {
    ASSERT_TRUE(store->StoreBatch(DailyBatch("s1", kDay + d, {{"app", 2 + d}, {"web", -1}}, 1.5)));
  }
  ASSERT_TRUE(store->StoreBatch(DailyBatch("s2", kDay + 1, {{"app", 7}}, 0.25)));
  auto snapshot = [&] {
    std::vector<std::string> out;
    for (auto scope : {std::optional<std::vector<std::string>>{}, Only({"s1"}), Only({"s2"})}) {
      for (auto label : {std::optional<std::string>{}, std::optional<std::string>{"app"}}) {
        const auto sums =
            store->SumByDay(FiguresQuery{"checkins", label, kDay, kDay + 3, scope, std::nullopt})
                .value();
        for (const DaySum& d : sums) {
          out.push_back(std::to_string(d.day) + ":" + std::to_string(d.value_sum) + ":" +
                        std::to_string(d.variance_sum) + ":" + std::to_string(d.cells));
        }
      }
    }
    const auto runs = store->ReportedRuns(kDay, kDay + 3, std::nullopt).value();
    for (const ReportedRun& r : runs) {
      out.push_back(r.store_id + std::to_string(r.first_day) + "-" + std::to_string(r.last_day));
    }
    return out;
  };
  const auto kept = snapshot();
  ASSERT_EQ(kept.size(), 3u + 3u + 3u + 3u + 1u + 1u + 3u);
  ASSERT_TRUE(store->RebuildSummaries());
  EXPECT_EQ(snapshot(), kept);
}

// What optin-hq before schema version 8 stored for a batch: its row, its periods and one row
// per cell (hq_cells), as SQL.
std::string AsSchema4Rows(const BatchRecord& b) {
  auto q = [](const std::string& text) { return "'" + text + "'"; };
  std::string sql =
      "INSERT INTO hq_batches (batch_id, store_id, format_version, period_start, period_end, "
      "received_at, signed_batch) VALUES (" +
      q(b.batch_id) + ", " + q(b.store_id) + ", " + std::to_string(b.format_version) + ", " +
      std::to_string(b.periods.front().start) + ", " + std::to_string(b.periods.back().end) + ", " +
      std::to_string(b.received_at) + ", " + q(b.signed_batch) + ");\n";
  for (const BatchPeriod& p : b.periods) {
    sql +=
        "INSERT INTO hq_batch_periods (batch_id, store_id, period_start, period_end, day) "
        "VALUES (" +
        q(b.batch_id) + ", " + q(b.store_id) + ", " + std::to_string(p.start) + ", " +
        std::to_string(p.end) + ", " + std::to_string(UtcDayOf(p.start)) + ");\n";
  }
  for (const CellRecord& c : b.cells) {
    sql +=
        "INSERT INTO hq_cells (batch_id, store_id, day, metric, label, value, variance) "
        "VALUES (" +
        q(b.batch_id) + ", " + q(b.store_id) + ", " + std::to_string(c.day) + ", " + q(c.metric) +
        ", " + q(c.label) + ", " + std::to_string(c.value) + ", " + std::to_string(c.variance) +
        ");\n";
  }
  return sql;
}

// A database from before the summaries (schema version 4), with one row per cell, gets the
// summaries filled from its batches and its cells summed (version 8) when optin-hq first opens
// it at this version.
TEST_P(HqStoreTest, UpgradingFromBeforeTheSummariesFillsThemFromTheBatchesStored) {
  const auto schema = HqSchema();
  const auto before = std::find_if(schema.begin(), schema.end(),
                                   [](const HqMigration& m) { return m.version == 5; });
  ASSERT_NE(before, schema.end());
  {
    auto old = Open(std::span<const HqMigration>(schema.begin(), before));
    ASSERT_TRUE(old) << old.error().message;
    std::string rows = "BEGIN;\n";
    for (int64_t d : {0, 1, 2, 4}) rows += AsSchema4Rows(DailyBatch("s1", kDay + d, {{"app", 3}}));
    rows += AsSchema4Rows(DailyBatch("s2", kDay + 2, {{"app", 5}, {"web", 1}}));
    const Status written = ExecSql(rows + "COMMIT;");
    ASSERT_TRUE(written) << written.error().message;
  }
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  EXPECT_EQ(store->AppliedMigrations().value(), SchemaVersions());
  auto chain = store->SumByDay(
      FiguresQuery{"checkins", std::nullopt, kDay, kDay + 4, std::nullopt, std::nullopt});
  ASSERT_TRUE(chain) << chain.error().message;
  EXPECT_EQ(Total(*chain), 4 * 3 + 5 + 1);
  EXPECT_EQ(chain->size(), 4u);
  EXPECT_EQ(Total(store
                      ->SumByDay(FiguresQuery{"checkins", "app", kDay, kDay + 4, std::nullopt,
                                              std::nullopt})
                      .value()),
            4 * 3 + 5);
  EXPECT_EQ(Total(store
                      ->SumByDay(FiguresQuery{"checkins", std::nullopt, kDay, kDay + 4,
                                              Only({"s2"}), std::nullopt})
                      .value()),
            6);
  std::vector<std::string> runs;
  const auto reported = store->ReportedRuns(kDay, kDay + 4, std::nullopt).value();
  for (const ReportedRun& r : reported) {
    runs.push_back(r.store_id + ":" + std::to_string(r.first_day - kDay) + "-" +
                   std::to_string(r.last_day - kDay));
  }
  EXPECT_EQ(runs, (std::vector<std::string>{"s1:0-2", "s1:4-4", "s2:2-2"}));
  // The cells, now summed per store, day, metric and label: a store's figure of one label, and
  // each batch's count of cells.
  const auto s2_web =
      store->SumByDay(FiguresQuery{"checkins", "web", kDay, kDay + 4, Only({"s2"}), std::nullopt})
          .value();
  ASSERT_EQ(s2_web.size(), 1u);
  EXPECT_EQ(s2_web[0].value_sum, 1);
  EXPECT_DOUBLE_EQ(s2_web[0].variance_sum, 9.5);
  EXPECT_EQ(s2_web[0].cells, 1);
  EXPECT_EQ(store->ListBatches("s2").value().at(0).cell_count, 3);
  EXPECT_EQ(store->MetricLabels("checkins", kDay, kDay + 4).value(),
            (std::vector<std::string>{"app", "web"}));
  // Ingest after the upgrade adds to the sums the migration made.
  BatchRecord again = DailyBatch("s2", kDay + 2, {{"web", 4}});
  again.batch_id += "/again";
  ASSERT_EQ(store->StoreBatch(again).value(), IngestOutcome::kStored);
  EXPECT_EQ(Total(store
                      ->SumByDay(FiguresQuery{"checkins", "web", kDay, kDay + 4, Only({"s2"}),
                                              std::nullopt})
                      .value()),
            5);
}

// What a batch reports in force is stored in the batch's own transaction: with it, never for a
// duplicate, and not at all when the upload fails.
TEST_P(HqStoreTest, TheBundlesABatchReportsAreStoredWithItAndOnlyWithIt) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  BatchRecord b = DailyBatch("s1", kDay, {{"app", 1}});
  b.bundles_in_force = {{"s1", "catalog", "c1", "\"e1\"", 100}};
  ASSERT_EQ(store->StoreBatches(std::vector<BatchRecord>{b}).value().front(),
            IngestOutcome::kStored);
  // The same batch again, claiming a newer catalog: a duplicate records nothing.
  BatchRecord again = b;
  again.bundles_in_force = {{"s1", "catalog", "c2", "\"e2\"", 200}};
  ASSERT_EQ(store->StoreBatch(again).value(), IngestOutcome::kDuplicate);
  // A failing upload records nothing either.
  PoisonTheLabelPoison();
  BatchRecord bad = DailyBatch("s1", kDay + 1, {{"app", 1}, {"poison", 1}});
  bad.bundles_in_force = {{"s1", "notice", "n9", "", 300}};
  ASSERT_FALSE(store->StoreBatches(std::vector<BatchRecord>{bad}));
  auto in_force = store->ListBundlesInForce();
  ASSERT_TRUE(in_force) << in_force.error().message;
  ASSERT_EQ(in_force->size(), 1u);
  EXPECT_EQ((*in_force)[0].kind, "catalog");
  EXPECT_EQ((*in_force)[0].version, "c1");
  EXPECT_EQ((*in_force)[0].reported_at, 100);
}

// Uploads stored side by side (PostgreSQL stores them on several connections at once, SQLite
// one after the other), some repeated, while the stores file's regions are reassigned: every
// upload succeeds (no deadlock between uploads sharing the chain's and a region's rows), and the
// chain's, each region's and each store's sums are exactly those of the batches, each once.
TEST_P(HqStoreTest, UploadsStoredSideBySideAddUpExactlyOnceWhileRegionsAreReassigned) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  constexpr int kStores = 6, kDays = 12;
  auto id = [](int i) { return "s" + std::to_string(i); };
  auto mapping = [&](const std::string& s2_region) {
    std::vector<StoreRegion> m;
    for (int i = 0; i < kStores; ++i) m.push_back({id(i), i < 3 ? "north" : "south"});
    m[2].region = s2_region;
    return m;
  };
  ASSERT_TRUE(store->AssignRegions(mapping("north")));
  std::atomic<int> failures = 0;
  std::vector<std::thread> uploaders;
  // Each store uploads its days two at a time; store 0's days are also uploaded by a second
  // thread (a box retrying), so half of its tries are duplicates.
  for (int t = 0; t <= kStores; ++t) {
    uploaders.emplace_back([&, t] {
      const int i = t == kStores ? 0 : t;
      for (int d = 0; d < kDays; d += 2) {
        const std::vector<BatchRecord> upload = {
            DailyBatch(id(i), kDay + d, {{"app", i + d}, {"web", 1}}, 0.5),
            DailyBatch(id(i), kDay + d + 1, {{"app", i + d + 1}, {"web", 1}}, 0.5)};
        auto outcomes = store->StoreBatches(upload);
        if (!outcomes) {
          ADD_FAILURE() << outcomes.error().message;
          ++failures;
        }
      }
    });
  }
  std::thread reassigner([&] {
    for (int k = 0; k < 6; ++k) {
      if (!store->AssignRegions(mapping(k % 2 ? "north" : "south"))) ++failures;
    }
  });
  for (auto& t : uploaders) t.join();
  reassigner.join();
  ASSERT_EQ(failures, 0);
  // The last assignment put s2 back in the north.
  auto by_day = [&](std::optional<std::vector<std::string>> stores,
                    std::optional<std::string> region) {
    return store
        ->SumByDay(FiguresQuery{"checkins", std::nullopt, kDay, kDay + kDays - 1, stores, region})
        .value();
  };
  auto expect = [&](const std::vector<DaySum>& rows, const std::vector<int>& members) {
    ASSERT_EQ(rows.size(), static_cast<size_t>(kDays));
    for (int d = 0; d < kDays; ++d) {
      int64_t value = 0;
      for (int i : members) value += i + d + 1;
      EXPECT_EQ(rows[d].day, kDay + d);
      EXPECT_EQ(rows[d].value_sum, value) << "day " << d;
      EXPECT_EQ(rows[d].variance_sum, 2 * 0.5 * static_cast<double>(members.size())) << d;
      EXPECT_EQ(rows[d].cells, 2 * static_cast<int64_t>(members.size())) << d;
    }
  };
  expect(by_day(std::nullopt, std::nullopt), {0, 1, 2, 3, 4, 5});
  expect(by_day(Only({"s0", "s1", "s2"}), "north"), {0, 1, 2});
  expect(by_day(Only({"s3", "s4", "s5"}), "south"), {3, 4, 5});
  expect(by_day(Only({"s0"}), std::nullopt), {0});
  for (int i = 0; i < kStores; ++i) EXPECT_EQ(store->ListBatches(id(i)).value().size(), kDays + 0u);
  const auto runs = store->ReportedRuns(kDay, kDay + kDays, std::nullopt).value();
  ASSERT_EQ(runs.size(), static_cast<size_t>(kStores));
  for (const ReportedRun& r : runs) {
    EXPECT_EQ(r.first_day, kDay) << r.store_id;
    EXPECT_EQ(r.last_day, kDay + kDays - 1) << r.store_id;
  }
  // A rebuild from the cells gives the same.
  ASSERT_TRUE(store->RebuildSummaries());
  expect(by_day(std::nullopt, std::nullopt), {0, 1, 2, 3, 4, 5});
  expect(by_day(Only({"s0", "s1", "s2"}), "north"), {0, 1, 2});
}

// A region's summary holds exactly the stores assigned to it: stores moved to another region,
// taken out or added by a reload take their sums along; until regions are assigned, or when the
// stores asked for are not the region's members, a region is summed from its stores' own.
TEST_P(HqStoreTest, ARegionsSummaryFollowsTheRegionsAssigned) {
  auto store = OpenOrDie();
  ASSERT_TRUE(store);
  auto region_total = [&](const std::string& region, std::vector<std::string> members) {
    auto sums = store->SumByDay(
        FiguresQuery{"checkins", std::nullopt, kDay, kDay + 2, std::move(members), region});
    EXPECT_TRUE(sums) << sums.error().message;
    return sums ? Total(*sums) : -1;
  };
  ASSERT_TRUE(store->AssignRegions(std::vector<StoreRegion>{{"s1", "north"}, {"s2", "north"}}));
  for (int64_t d = 0; d < 3; ++d) {
    ASSERT_TRUE(store->StoreBatch(DailyBatch("s1", kDay + d, {{"app", 1}})));
    ASSERT_TRUE(store->StoreBatch(DailyBatch("s2", kDay + d, {{"app", 10}})));
    ASSERT_TRUE(store->StoreBatch(DailyBatch("s3", kDay + d, {{"app", 100}})));  // not listed yet
  }
  EXPECT_EQ(region_total("north", {"s1", "s2"}), 33);
  // s2 moves south and s3 joins it.
  ASSERT_TRUE(store->AssignRegions(
      std::vector<StoreRegion>{{"s1", "north"}, {"s2", "south"}, {"s3", "south"}}));
  EXPECT_EQ(region_total("north", {"s1"}), 3);
  EXPECT_EQ(region_total("south", {"s2", "s3"}), 330);
  // Ingest after the move counts where the store is now.
  BatchRecord late = DailyBatch("s2", kDay + 2, {{"web", 5}});
  late.batch_id += "-late";
  ASSERT_TRUE(store->StoreBatch(late));
  EXPECT_EQ(region_total("south", {"s2", "s3"}), 335);
  // s3 leaves the file.
  ASSERT_TRUE(store->AssignRegions(std::vector<StoreRegion>{{"s1", "north"}, {"s2", "south"}}));
  EXPECT_EQ(region_total("south", {"s2"}), 35);
  // A set of stores that is not the region's members is summed from the stores themselves.
  EXPECT_EQ(region_total("south", {"s2", "s3"}), 335);
  // Rebuilding gives the same.
  ASSERT_TRUE(store->RebuildSummaries());
  EXPECT_EQ(region_total("north", {"s1"}), 3);
  EXPECT_EQ(region_total("south", {"s2"}), 35);
  // Many moves at once (a first stores file for a whole chain) recompute every region.
  std::vector<StoreRegion> chain = {{"s1", "south"}, {"s2", "south"}, {"s3", "north"}};
  std::vector<std::string> north = {"s3"};
  for (size_t i = 0; i <= kMaxRegionMoves; ++i) {
    chain.push_back({"x" + std::to_string(i), "north"});
    north.push_back("x" + std::to_string(i));
  }
  ASSERT_TRUE(store->AssignRegions(chain));
  EXPECT_EQ(region_total("south", {"s1", "s2"}), 38);
  EXPECT_EQ(region_total("north", north), 300);
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

  // The summaries follow once rebuilt.
  EXPECT_TRUE(store
                  ->SumByDay(FiguresQuery{"checkins", std::nullopt, kDay, kDay + 9, std::nullopt,
                                          std::nullopt})
                  .value()
                  .empty());
  ASSERT_TRUE(store->RebuildSummaries());
  auto rows = store->SumByDay(
      FiguresQuery{"checkins", std::nullopt, kDay, kDay + 9, std::nullopt, std::nullopt});
  ASSERT_TRUE(rows) << rows.error().message;
  EXPECT_EQ(rows->size(), 10u);
  EXPECT_EQ(Total(*rows), 10 * (190 + 20));
  EXPECT_EQ(store->ReportedRuns(kDay, kDay + 9, std::nullopt).value().size(), 20u);
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
