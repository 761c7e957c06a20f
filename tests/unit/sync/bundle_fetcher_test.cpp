// The box's side of bundles from HQ (issue 15 part 5) with a fake transport: what a round asks
// for (If-None-Match with the ETag of the file in force), what it does with 200, 304, 404, a
// failure and a refusal (nothing changes, counted, asked for again next round), and the versions
// in force that a batch reports. The real check of the bytes (signature, store, expiry, rollback)
// is the daemon's load path, proved end to end in tests/integration/bundles_test.cpp; here an
// offer catalog holder with HQ's key stands for it.
#include "sync/bundle_fetcher.h"

#include <gtest/gtest.h>

#include <boost/json/object.hpp>
#include <deque>
#include <optional>

#include "offers/catalog_holder.h"
#include "platform/clock.h"
#include "platform/random.h"
#include "privacy/jws.h"
#include "sync/batch.h"

namespace optin::sync::bundle_fetcher_test {
namespace {

namespace json = boost::json;
constexpr int64_t kNow = 1'790'000'000;

// Answers queued in order; records what was asked.
class FakeBundleTransport final : public BundleTransport {
 public:
  Result<BundleResponse> Get(const std::string& kind, const std::string& if_none_match) override {
    asked.push_back({kind, if_none_match});
    if (answers.empty()) return Fail(ErrorCode::kUnavailable, "no answer queued");
    auto a = std::move(answers.front());
    answers.pop_front();
    return a;
  }
  std::deque<Result<BundleResponse>> answers;
  std::vector<std::pair<std::string, std::string>> asked;
};

class BundleFetcherTest : public ::testing::Test {
 protected:
  BundleFetcherTest() : hq_key_(platform::EcdsaPrivateKey::Generate(random_).value()) {}

  std::string Catalog(int64_t issued_at, std::string_view store = "store-1") {
    json::object p{{"version", "cat-" + std::to_string(issued_at)},
                   {"issued_at", issued_at},
                   {"expires_at", kNow + 86'400},
                   {"store_id", store},
                   {"offers", json::array()}};
    return privacy::SignJws(hq_key_, random_, "hq", "optin-catalog+jws", p).value();
  }

  // The catalog kind over a holder: verify with HQ's key and the rollback floor, then "save".
  BundleKind CatalogKind() {
    return BundleKind{
        "catalog", [this]() -> Result<std::string> { return file_; },
        [this](const std::string& bytes) -> Status {
          OPTIN_TRY(holder_.ApplyBundle(bytes, hq_key_.PublicKey(), offers::CatalogRules{}, kNow,
                                        "store-1", floor_));
          floor_ = holder_.Current()->issued_at;
          file_ = bytes;
          return Ok();
        }};
  }

  static BundleResponse Ok200(std::string body) {
    BundleResponse r{200, std::move(body), {}};
    r.etag = BundleEtag(r.body);
    return r;
  }

  platform::SeededRandom random_{3};
  platform::FakeClock clock_{kNow};
  platform::EcdsaPrivateKey hq_key_;
  offers::CatalogHolder holder_;
  std::optional<int64_t> floor_;
  std::string file_;  // the bundle file in force
  FakeBundleTransport transport_;
};

TEST_F(BundleFetcherTest, ANewBundleIsAppliedAndItsEtagIsSentNextRoundAnswered304) {
  const std::string v1 = Catalog(kNow - 100);
  transport_.answers.push_back(Ok200(v1));
  transport_.answers.push_back(BundleResponse{304, {}, BundleEtag(v1)});
  BundleFetcher fetcher(transport_, {CatalogKind()}, clock_);
  fetcher.FetchOnce();
  EXPECT_EQ(transport_.asked[0], std::make_pair(std::string("catalog"), std::string()));
  EXPECT_EQ(file_, v1);
  EXPECT_EQ(holder_.Current()->version, "cat-" + std::to_string(kNow - 100));
  fetcher.FetchOnce();
  EXPECT_EQ(transport_.asked[1].second, BundleEtag(v1));
  EXPECT_EQ(file_, v1);
  const auto stats = fetcher.stats().at("catalog");
  EXPECT_EQ(stats.applied, 1u);
  EXPECT_EQ(stats.not_modified, 1u);
  EXPECT_EQ(stats.last_outcome, "not-modified");
  EXPECT_EQ(stats.etag, BundleEtag(v1));
}

TEST_F(BundleFetcherTest, ARefusedBundleChangesNothingIsCountedAndAskedForAgainNextRound) {
  const std::string v2 = Catalog(kNow - 100);
  transport_.answers.push_back(Ok200(v2));
  const std::string older = Catalog(kNow - 200);  // validly signed, unexpired, older
  transport_.answers.push_back(Ok200(older));
  transport_.answers.push_back(Ok200(Catalog(kNow - 50, "store-2")));  // another store's
  BundleFetcher fetcher(transport_, {CatalogKind()}, clock_);
  fetcher.FetchOnce();
  fetcher.FetchOnce();
  EXPECT_EQ(file_, v2);
  EXPECT_EQ(holder_.Current()->version, "cat-" + std::to_string(kNow - 100));
  EXPECT_EQ(fetcher.stats().at("catalog").last_reason, "bundle-rollback");
  fetcher.FetchOnce();
  EXPECT_EQ(transport_.asked[2].second, BundleEtag(v2));  // still asks with the one in force
  EXPECT_EQ(file_, v2);
  const auto stats = fetcher.stats().at("catalog");
  EXPECT_EQ(stats.refused, 2u);
  EXPECT_EQ(stats.last_reason, "bundle-store");
  EXPECT_EQ(stats.etag, BundleEtag(v2));
}

TEST_F(BundleFetcherTest, BytesThatDoNotMatchTheirEtagAreRefused) {
  BundleResponse r = Ok200(Catalog(kNow - 100));
  r.etag = "\"" + std::string(64, '0') + "\"";
  transport_.answers.push_back(r);
  BundleFetcher fetcher(transport_, {CatalogKind()}, clock_);
  fetcher.FetchOnce();
  EXPECT_TRUE(file_.empty());
  EXPECT_EQ(fetcher.stats().at("catalog").last_reason, "etag-mismatch");
}

TEST_F(BundleFetcherTest, NothingPublishedAndNoAnswerChangeNothingAndAreCountedApart) {
  transport_.answers.push_back(BundleResponse{404, "{}", {}});
  transport_.answers.push_back(Fail(ErrorCode::kUnavailable, "connection refused"));
  transport_.answers.push_back(BundleResponse{503, "{}", {}});
  BundleFetcher fetcher(transport_, {CatalogKind()}, clock_);
  fetcher.FetchOnce();
  fetcher.FetchOnce();
  fetcher.FetchOnce();
  EXPECT_TRUE(file_.empty());
  const auto stats = fetcher.stats().at("catalog");
  EXPECT_EQ(stats.not_published, 1u);
  EXPECT_EQ(stats.failed, 2u);
  EXPECT_EQ(stats.last_reason, "HQ answered 503");
  EXPECT_EQ(stats.applied + stats.refused, 0u);
}

TEST_F(BundleFetcherTest, EachKindIsFetchedInItsTurn) {
  std::string notice_file;
  BundleKind notice{"notice", [&]() -> Result<std::string> { return notice_file; },
                    [&](const std::string& bytes) -> Status {
                      notice_file = bytes;
                      return Ok();
                    }};
  transport_.answers.push_back(BundleResponse{304, {}, {}});
  transport_.answers.push_back(Ok200("n1"));
  BundleFetcher fetcher(transport_, {CatalogKind(), notice}, clock_);
  fetcher.FetchOnce();
  ASSERT_EQ(transport_.asked.size(), 2u);
  EXPECT_EQ(transport_.asked[1].first, "notice");
  EXPECT_EQ(notice_file, "n1");
}

TEST(BatchBundles, ABatchReportsTheBundlesInForceAndKeepsThemThroughTheOutboxAndMerges) {
  BatchContent c;
  c.store_id = "store-1";
  c.period_start = 0;
  c.period_end = 3600;
  c.periods = {{0, 3600}};
  c.bundles["catalog"] = BundleInForce{"cat-7", "\"ab\""};
  c.bundles["notice"] = BundleInForce{"3", ""};
  const json::object payload = BatchPayload(c);
  ASSERT_TRUE(payload.contains("bundles"));
  EXPECT_EQ(payload.at("bundles").at("catalog").at("version").as_string(), "cat-7");
  EXPECT_EQ(payload.at("bundles").at("catalog").at("etag").as_string(), "\"ab\"");
  EXPECT_EQ(payload.at("bundles").at("notice").at("version").as_string(), "3");

  auto back = ContentFromJson(ContentToJson(c));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->bundles, c.bundles);

  BatchContent later = c;
  later.period_start = 3600;
  later.period_end = 7200;
  later.periods = {{3600, 7200}};
  later.bundles["catalog"] = BundleInForce{"cat-8", "\"cd\""};
  auto merged = MergeContents({c, later});
  ASSERT_TRUE(merged);
  EXPECT_EQ(merged->bundles.at("catalog").version, "cat-8");

  BatchContent none = c;
  none.bundles.clear();
  EXPECT_FALSE(BatchPayload(none).contains("bundles"));
}

}  // namespace
}  // namespace optin::sync::bundle_fetcher_test
