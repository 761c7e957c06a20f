// optin-hq's upload route as a real process on loopback, on both engines (a SQLite file and a real
// PostgreSQL 15): a box's real uploader over mutual TLS, duplicates, each refusal reason with its
// problem+json and counter and nothing stored, the stores file and its reload, format 1 still
// stored, and PostgreSQL killed and restarted under ingest losing and doubling nothing. Grown from
// hq-receiver's tests.
#include <atomic>
#include <set>

#include "app/https_transport.h"
#include "privacy/jws.h"
#include "sync/uploader.h"
#include "tests/tools/optin-hq/hq_process.h"
#include "tests/unit/sync/sync_world.h"

namespace optin::hq::optin_hq_ingest_test {
namespace {

constexpr int64_t kDay = 20700;  // 2026-09-04

TestCells Checkins(int64_t app, int64_t loyalty, double variance = 31.5) {
  return {
      {"checkins_by_channel", {{"app", {app, variance}}, {"loyalty_scan", {loyalty, variance}}}}};
}

class OptinHqIngestTest : public HqProcessFixture {
 protected:
  json::array StoredBatches(const std::string& store) {
    auto r = Call(port_, Store(store).tls, "GET", "/batches?store=" + store);
    EXPECT_TRUE(r.has_value());
    if (!r || r->status != 200) return {};
    return json::parse(r->body).as_object().at("batches").as_array();
  }
  json::array Results(const Result<net::Response>& r) {
    EXPECT_TRUE(r.has_value());
    if (!r) return {};
    EXPECT_EQ(r->status, 200) << r->body;
    if (r->status != 200) return {};
    return json::parse(r->body).as_object().at("results").as_array();
  }
  // The admin's view of the counters.
  std::string Metrics() {
    if (cookie_.empty()) {
      EXPECT_EQ(AddUser("ops", "admin", "correct horse battery"), 0);
      EXPECT_EQ(LogIn("ops", "correct horse battery")->status, 200);
    }
    auto r = Web("GET", "/metrics");
    EXPECT_TRUE(r && r->status == 200) << (r ? r->body : r.error().message);
    return r ? r->body : std::string();
  }
  void WriteStores(const std::string& text) { WriteText(dir_ / "stores.toml", text); }
  static std::string StoreToml(const std::string& id, const std::string& region = "north") {
    return "[[store]]\nid = \"" + id + "\"\nname = \"Shop " + id + "\"\nregion = \"" + region +
           "\"\ncountry = \"IT\"\nopened = 2026-01-01\n";
  }
};

// The box's real uploader (HttpsTransport, mutual TLS with the device key) against optin-hq: HQ
// down, then up; every batch delivered once; the payload kept as signed.
TEST_P(OptinHqIngestTest, ABoxsRealUploaderDeliversEachBatchOnceAfterHqComesUp) {
  testing::SyncWorld w;
  w.Shopper("a", {consent::Purpose::kHqAggregates});
  for (int i = 0; i < 3; ++i) w.NextPeriod();
  Store("store-0042", &w.keys().signing_key());
  port_ = 0;
  ASSERT_TRUE(StartHq()) << Log();
  const uint16_t port = port_;
  ASSERT_EQ(StopHq(), 0) << Log();
  app::HttpsTransport transport(loop_, Store("store-0042").tls,
                                sync::HqUrl{"localhost", port, "/v1/batches"});
  sync::Uploader uploader(w.database().db(), w.outbox(), transport, w.clock(), w.keys().random());
  EXPECT_EQ(uploader.Step(), sync::StepResult::kFailed);  // HQ is down
  ASSERT_TRUE(StartHq()) << Log();
  w.clock().Advance(std::chrono::hours(2));
  EXPECT_EQ(uploader.Step(), sync::StepResult::kDelivered);
  EXPECT_EQ(uploader.Step(), sync::StepResult::kIdle);
  EXPECT_EQ(w.database().Count("sync_outbox"), 0);
  auto stored = StoredBatches("store-0042");
  ASSERT_EQ(stored.size(), 3u);
  EXPECT_EQ(stored[0].at("payload").at("metrics").at("checkins_by_channel").at("cells").at("app"),
            1);
  EXPECT_EQ(stored[0].at("payload").at("schema"), "optin-hq-batch/2");
}

TEST_P(OptinHqIngestTest, ADuplicateIsAcknowledgedSaysWhyAndIsStoredOnce) {
  ASSERT_TRUE(StartHq()) << Log();
  const std::string batch = DayBatch("s1", kDay, Checkins(10, 4));
  auto first = Results(Upload("s1", {batch}));
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].at("status").as_string(), "stored");
  // The same batch twice more, and re-signed (ECDSA signatures differ each time).
  auto again = Results(Upload("s1", {batch, DayBatch("s1", kDay, Checkins(99, 99))}));
  ASSERT_EQ(again.size(), 2u);
  for (const auto& r : again) {
    EXPECT_EQ(r.at("status").as_string(), "duplicate");
    EXPECT_EQ(r.at("problem").at("type").as_string(), "urn:optin-hq:problem:duplicate");
  }
  auto stored = StoredBatches("s1");
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].at("payload").at("metrics").at("checkins_by_channel").at("cells").at("app"),
            10);
  EXPECT_NE(Metrics().find("optin_hq_batches_total{result=\"duplicate\"} 2"), std::string::npos);
}

// Every refusal: its problem+json says why, nothing of it is stored, and its counter counts it.
TEST_P(OptinHqIngestTest, EachRefusalSaysWhyStoresNothingAndIsCounted) {
  WriteStores(StoreToml("s1") + StoreToml("s2"));
  ASSERT_TRUE(StartHq({"--stores", (dir_ / "stores.toml").string(), "--max-body-bytes", "65536"}))
      << Log();
  auto other = ValueOrDie(platform::EcdsaPrivateKey::Generate(random_), "key");
  const std::string good = DayBatch("s1", kDay, Checkins(5, 1));
  auto payload = privacy::ParseJws(good, sync::kMaxBatchJwsBytes)->payload;
  const std::string forged = ValueOrDie(sync::MakeJwsSigner(other, random_)(payload), "sign");
  const std::string for_s2 = DayBatch("s2", kDay, Checkins(1, 1));  // signed by s2's key
  auto as_s1 = privacy::ParseJws(for_s2, sync::kMaxBatchJwsBytes)->payload;
  const std::string s2_by_s1 =
      ValueOrDie(sync::MakeJwsSigner(*Store("s1").key, random_)(as_s1), "sign");
  const std::string v3 = DayBatch("s1", kDay + 1, Checkins(1, 1), "optin-hq-batch/3");
  auto wrong_id = payload;
  wrong_id["batch_id"] = sync::BatchId("s1", 0, 86'400);
  const std::string mismatch =
      ValueOrDie(sync::MakeJwsSigner(*Store("s1").key, random_)(wrong_id), "sign");
  auto results = Results(Upload("s1", {forged, s2_by_s1, v3, "not-a-jws", mismatch}));
  ASSERT_EQ(results.size(), 5u);
  const std::vector<std::string> want = {"bad-signature", "store-mismatch", "unsupported-version",
                                         "malformed", "batch-id-mismatch"};
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(results[i].at("status").as_string(), "rejected") << i;
    EXPECT_EQ(results[i].at("reason").as_string(), want[i]) << json::serialize(results[i]);
    EXPECT_EQ(results[i].at("problem").at("type").as_string(), "urn:optin-hq:problem:" + want[i]);
    EXPECT_FALSE(results[i].at("problem").at("detail").as_string().empty());
  }
  EXPECT_EQ(results[2].at("problem").at("version").as_string(), "optin-hq-batch/3");
  // A store the stores file does not list, with a valid certificate of its own.
  auto unknown = Results(Upload("s9", {DayBatch("s9", kDay, Checkins(1, 1))}));
  ASSERT_EQ(unknown.size(), 1u);
  EXPECT_EQ(unknown[0].at("reason").as_string(), "unknown-store");
  // Refused whole: not JSON, and a body over the limit.
  auto bad = Call(port_, Store("s1").tls, "POST", "/v1/batches", "{not json",
                  {{"Content-Type", "application/json"}});
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(json::parse(bad->body).at("type").as_string(),
            "urn:optin-hq:problem:malformed-request");
  auto big = Call(port_, Store("s1").tls, "POST", "/v1/batches",
                  "{\"batches\": [\"" + std::string(70'000, 'a') + "\"]}",
                  {{"Content-Type", "application/json"}});
  ASSERT_TRUE(big.has_value());
  EXPECT_EQ(big->status, 413);
  EXPECT_EQ(big->content_type, "application/problem+json");
  // Nothing of it stored.
  EXPECT_EQ(StoredBatches("s1").size(), 0u);
  EXPECT_EQ(StoredBatches("s2").size(), 0u);
  const std::string metrics = Metrics();
  for (const std::string& reason : want) {
    EXPECT_NE(
        metrics.find("optin_hq_batches_total{result=\"rejected\",reason=\"" + reason + "\"} 1"),
        std::string::npos)
        << reason << "\n"
        << metrics;
  }
  EXPECT_NE(metrics.find("reason=\"unknown-store\"} 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("optin_hq_uploads_refused_total{reason=\"malformed-request\"} 1"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("optin_hq_uploads_refused_total{reason=\"payload-too-large\"} 1"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("optin_hq_batches_total{result=\"stored\"} 0"), std::string::npos);
  // The good batch still goes in afterwards.
  EXPECT_EQ(Results(Upload("s1", {good}))[0].at("status").as_string(), "stored");
  // A store reads only its own batches.
  auto foreign = Call(port_, Store("s2").tls, "GET", "/batches?store=s1");
  ASSERT_TRUE(foreign.has_value());
  EXPECT_EQ(foreign->status, 403);
}

// Batches written by boxes that still run format 1 are verified and stored as before.
TEST_P(OptinHqIngestTest, VersionOneBatchStillVerifiesAndStores) {
  ASSERT_TRUE(StartHq()) << Log();
  const int64_t start = UtcDayStart(kDay);
  json::object v1{{"schema", "optin-hq-batch/1"},
                  {"batch_id", sync::BatchId("s1", start, start + 3600)},
                  {"store_id", "s1"},
                  {"period", json::object{{"start", start}, {"end", start + 3600}, {"periods", 1}}},
                  {"created_at", start + 3660},
                  {"software_version", "0.9.0"},
                  {"audit", json::object{{"head", std::string(64, 'a')}, {"intact", true}}},
                  {"noise", json::object{{"mechanism", "discrete-laplace"},
                                         {"scale_num", 6'000'000},
                                         {"scale_den", 41'666},
                                         {"sensitivity", 6},
                                         {"suppress_below", 10},
                                         {"epsilon_micros", 41'666},
                                         {"caps", json::object{{"checkins", 1}}}}},
                  {"metrics", json::object{{"checkins_by_channel", json::object{{"app", 212}}}}}};
  const std::string jws = ValueOrDie(sync::MakeJwsSigner(*Store("s1").key, random_)(v1), "sign");
  auto r = Results(Upload("s1", {jws}));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].at("status").as_string(), "stored") << json::serialize(r[0]);
  auto stored = StoredBatches("s1");
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].at("format_version").as_int64(), 1);
  // The log: one line per batch with store, period and verdict; no cell value.
  ASSERT_EQ(StopHq(), 0);
  const std::string log = Log();
  EXPECT_NE(log.find("\"verdict\":\"stored\""), std::string::npos) << log;
  EXPECT_NE(log.find("\"store\":\"s1\""), std::string::npos) << log;
  EXPECT_EQ(log.find("212"), std::string::npos) << "no cell value in the log";
}

// A stores file with an error changes nothing and names its line; a fixed one is taken on the
// next SIGHUP. At start, an error stops HQ with the line named.
TEST_P(OptinHqIngestTest, AStoresFileWithAnErrorChangesNothingAndNamesTheLine) {
  WriteStores(StoreToml("s1"));
  ASSERT_TRUE(StartHq({"--stores", (dir_ / "stores.toml").string()})) << Log();
  EXPECT_EQ(Results(Upload("s2", {DayBatch("s2", kDay, Checkins(1, 1))}))[0].at("reason"),
            "unknown-store");
  // s2 added, with a bad country on line 11.
  WriteStores(StoreToml("s1") + StoreToml("s2").replace(StoreToml("s2").find("IT"), 2, "Italy"));
  auto wait_for = [this](const std::string& what, size_t count) {
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < until) {
      size_t n = 0;
      const std::string log = Log();
      for (size_t at = log.find(what); at != std::string::npos; at = log.find(what, at + 1)) ++n;
      if (n >= count) return true;
      poll(nullptr, 0, 20);  // waiting for HQ to reload
    }
    return false;
  };
  hq_->Signal(SIGHUP);
  ASSERT_TRUE(wait_for("hq.stores_reload_failed", 1)) << Log();
  EXPECT_NE(Log().find("stores.toml:11"), std::string::npos) << Log();
  EXPECT_EQ(Results(Upload("s2", {DayBatch("s2", kDay, Checkins(1, 1))}))[0].at("reason"),
            "unknown-store");
  EXPECT_EQ(Results(Upload("s1", {DayBatch("s1", kDay, Checkins(1, 1))}))[0].at("status"),
            "stored");
  WriteStores(StoreToml("s1") + StoreToml("s2"));
  hq_->Signal(SIGHUP);
  ASSERT_TRUE(wait_for("hq.stores_reloaded", 1)) << Log();
  EXPECT_EQ(Results(Upload("s2", {DayBatch("s2", kDay, Checkins(1, 1))}))[0].at("status"),
            "stored");
  const std::string metrics = Metrics();
  EXPECT_NE(metrics.find("optin_hq_stores_reloads_total{result=\"failed\"} 1"), std::string::npos);
  EXPECT_NE(metrics.find("optin_hq_stores_reloads_total{result=\"ok\"} 1"), std::string::npos);
  ASSERT_EQ(StopHq(), 0);
  // At start: refused, naming the file and line.
  WriteStores(
      "[[store]]\nid = \"s1\"\nname = \"x\"\nregion = \"r\"\ncountry = \"IT\"\nopened = "
      "\"soon\"\n");
  EXPECT_FALSE(StartHq({"--stores", (dir_ / "stores.toml").string()}));
  EXPECT_NE(Log().find("stores.toml:6"), std::string::npos) << Log();
}

// PostgreSQL killed (as a power cut would) and restarted while stores keep uploading: the uploads
// in between fail with 503 and are retried, and every batch ends up stored exactly once.
TEST_P(OptinHqIngestTest, PostgresRestartingUnderIngestLosesAndDoublesNothing) {
  if (GetParam() != Engine::kPostgres) GTEST_SKIP() << "a PostgreSQL fault";
  ASSERT_TRUE(StartHq()) << Log();
  constexpr int kBatches = 40;
  std::vector<std::string> batches;
  int64_t want_app = 0;
  for (int i = 0; i < kBatches; ++i) {
    batches.push_back(DayBatch("s1", kDay + i, Checkins(i, 2)));
    want_app += i;
  }
  std::atomic<int> acknowledged{0};
  std::atomic<int> refused{0};
  std::thread uploader([&] {
    for (int i = 0; i < kBatches; ++i) {
      for (int attempt = 0; attempt < 2000; ++attempt) {  // as the box: retry until answered
        auto r = Upload("s1", {batches[static_cast<size_t>(i)]});
        if (r && r->status == 200) {
          const auto s = json::parse(r->body).at("results").at(0).at("status").as_string();
          if (s == "stored" || s == "duplicate") break;
        }
        ++refused;
        poll(nullptr, 0, 10);  // the box's backoff, shortened
      }
      ++acknowledged;
    }
  });
  while (acknowledged < 10) poll(nullptr, 0, 5);  // ingest is under way
  ASSERT_TRUE(server_->Kill()) << server_->LogTail();
  const int at_kill = acknowledged;
  while (refused == 0 && acknowledged < kBatches) poll(nullptr, 0, 5);  // an upload failed
  ASSERT_TRUE(server_->Restart()) << server_->LogTail();
  uploader.join();
  EXPECT_LT(at_kill, kBatches) << "the ingest finished before the kill";
  EXPECT_GT(refused.load(), 0) << "no upload failed while PostgreSQL was down";
  // Replays after the restart are duplicates.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Results(Upload("s1", {batches[static_cast<size_t>(i)]}))[0].at("status"),
              "duplicate");
  }
  auto db = Open();
  ASSERT_TRUE(db) << db.error().message;
  EXPECT_EQ((*db)->ListBatches("s1").value().size(), static_cast<size_t>(kBatches));
  // The chain's summary and the store's own cells agree: nothing was added twice or lost.
  for (auto scope : {std::optional<std::vector<std::string>>{},
                     std::optional<std::vector<std::string>>{{"s1"}}}) {
    auto rows = (*db)->SumByDay(
        FiguresQuery{"checkins_by_channel", "app", kDay, kDay + kBatches, scope, std::nullopt});
    ASSERT_TRUE(rows) << rows.error().message;
    int64_t app = 0;
    for (const DaySum& r : *rows) app += r.value_sum;
    EXPECT_EQ(app, want_app);
  }
  EXPECT_NE(Metrics().find("optin_hq_uploads_refused_total{reason=\"storage-unavailable\"}"),
            std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Engines, OptinHqIngestTest,
                         ::testing::Values(Engine::kSqlite, Engine::kPostgres), EngineName);

}  // namespace
}  // namespace optin::hq::optin_hq_ingest_test
