// Bundles for the stores on both engines (issue 15 part 5): what `optin-hq publish` checks
// before storing (signature, typ, store id, expiry, not older than what is published), what a
// box's GET /v1/bundles/{kind} is answered (its own publication over its region's, 304 with the
// ETag in force, 404 when nothing is published), and the versions stores report in force.
#include <gtest/gtest.h>

#include <boost/json/object.hpp>
#include <fstream>
#include <sstream>

#include "platform/random.h"
#include "privacy/jws.h"
#include "tests/tools/optin-hq/hq_store_fixture.h"
#include "tools/optin-hq/bundle_fetch.h"
#include "tools/optin-hq/bundle_publish_command.h"
#include "tools/optin-hq/bundle_publisher.h"

namespace optin::hq::bundles_test {
namespace {

namespace json = boost::json;
constexpr int64_t kNow = 1'800'000'000;

class BundlesTest : public HqStoreFixture {
 protected:
  void SetUp() override {
    HqStoreFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    store_ = OpenOrDie();
    ASSERT_TRUE(store_);
  }

  static const platform::EcdsaPrivateKey& HqKey() {
    static platform::SeededRandom random(11);
    static platform::EcdsaPrivateKey key = platform::EcdsaPrivateKey::Generate(random).value();
    return key;
  }
  static const platform::EcdsaPrivateKey& OtherKey() {
    static platform::SeededRandom random(12);
    static platform::EcdsaPrivateKey key = platform::EcdsaPrivateKey::Generate(random).value();
    return key;
  }

  std::string Sign(const json::object& payload, std::string_view typ,
                   const platform::EcdsaPrivateKey* key = nullptr) {
    return privacy::SignJws(key ? *key : HqKey(), random_, "hq", typ, payload).value();
  }
  std::string Catalog(int64_t issued_at, std::string_view store = {},
                      int64_t expires = kNow + 86'400, std::string_view suffix = {}) {
    json::object p{{"version", "cat-" + std::to_string(issued_at) + std::string(suffix)},
                   {"issued_at", issued_at},
                   {"expires_at", expires},
                   {"offers", json::array()}};
    if (!store.empty()) p["store_id"] = store;
    return Sign(p, "optin-catalog+jws");
  }
  std::string Notice(int64_t version, std::string_view store) {
    return Sign(json::object{{"version", version},
                             {"material", false},
                             {"store_id", store},
                             {"expires_at", kNow + 86'400},
                             {"texts", json::object()}},
                "optin-notice+jws");
  }

  Result<PublishOutcome> Publish(std::string_view kind, std::string_view target_type,
                                 std::string_view target, std::string jws, int64_t now = kNow) {
    PublishRequest r{std::string(kind), std::string(target_type), std::string(target),
                     std::move(jws)};
    return PublishSignedBundle(*store_, r, HqKey().PublicKey(), now);
  }

  platform::SeededRandom random_{5};
  std::unique_ptr<HqStore> store_;
};

TEST_P(BundlesTest, APublishedCatalogIsServedWithItsEtagAndThenAnswered304) {
  const std::string jws = Catalog(kNow - 10);
  auto published = Publish("catalog", "region", "north", jws);
  ASSERT_TRUE(published) << published.error().message;
  EXPECT_EQ(published->record.version, "cat-" + std::to_string(kNow - 10));
  EXPECT_EQ(published->record.etag, BundleEtag(jws));

  BundleAnswer a = AnswerBundleFetch(*store_, "store-1", "north", "catalog", "");
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(a.body, jws);  // the bytes exactly as signed
  EXPECT_EQ(a.content_type, "application/jose");
  ASSERT_FALSE(a.headers.empty());
  EXPECT_EQ(a.headers[0], std::make_pair(std::string("ETag"), BundleEtag(jws)));

  BundleAnswer again = AnswerBundleFetch(*store_, "store-1", "north", "catalog", BundleEtag(jws));
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  // Any other tag in force (an older bundle) gets the bytes.
  EXPECT_EQ(AnswerBundleFetch(*store_, "store-1", "north", "catalog", "\"0000\"").status, 200);
}

TEST_P(BundlesTest, AStoresOwnPublicationWinsOverItsRegions) {
  ASSERT_TRUE(Publish("catalog", "region", "north", Catalog(kNow - 10)));
  const std::string own = Catalog(kNow - 20, "store-1");  // older, but the store's own
  ASSERT_TRUE(Publish("catalog", "store", "store-1", own));
  EXPECT_EQ(AnswerBundleFetch(*store_, "store-1", "north", "catalog", "").body, own);
  EXPECT_NE(AnswerBundleFetch(*store_, "store-2", "north", "catalog", "").body, own);
}

TEST_P(BundlesTest, NothingPublishedIsA404ProblemAndAnUnknownKindToo) {
  BundleAnswer a = AnswerBundleFetch(*store_, "store-1", "north", "notice", "");
  EXPECT_EQ(a.status, 404);
  EXPECT_EQ(a.problem, "no-bundle");
  EXPECT_EQ(a.content_type, "application/problem+json");
  EXPECT_NE(a.body.find("urn:optin-hq:problem:no-bundle"), std::string::npos);
  ASSERT_TRUE(Publish("catalog", "region", "north", Catalog(kNow - 10)));
  EXPECT_EQ(AnswerBundleFetch(*store_, "store-9", "south", "catalog", "").status, 404);
  EXPECT_EQ(AnswerBundleFetch(*store_, "store-1", "north", "offers", "").problem,
            "unknown-bundle-kind");
}

TEST_P(BundlesTest, AnOlderBundleIsRefusedForTheTargetAndNothingChanges) {
  const std::string newer = Catalog(kNow - 10);
  ASSERT_TRUE(Publish("catalog", "region", "north", newer));
  auto older = Publish("catalog", "region", "north", Catalog(kNow - 20));
  ASSERT_FALSE(older);
  EXPECT_EQ(older.error().reason, "bundle-rollback");
  EXPECT_NE(older.error().message.find("rollback"), std::string::npos);
  // As old, other bytes (another version name; ES256 here signs deterministically).
  auto same_time =
      Publish("catalog", "region", "north", Catalog(kNow - 10, {}, kNow + 86'400, "b"));
  ASSERT_FALSE(same_time);
  EXPECT_EQ(same_time.error().reason, "bundle-not-newer");
  EXPECT_EQ(AnswerBundleFetch(*store_, "store-1", "north", "catalog", "").body, newer);
  // The same bytes again change nothing and are not an error.
  auto again = Publish("catalog", "region", "north", newer);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->unchanged);
  // The store layer refuses an insert that is not newer too (two publishers racing).
  BundleRecord raced = again->record;
  raced.etag = "\"other\"";
  EXPECT_EQ(store_->PublishBundle(raced).error().reason, "bundle-not-newer");
}

TEST_P(BundlesTest, ABadSignatureAnotherTypAnExpiredBundleAndAnotherStoresAreRefused) {
  auto other_key =
      Publish("catalog", "region", "north",
              Sign(json::object{{"version", "x"}, {"issued_at", kNow}, {"expires_at", kNow + 60}},
                   "optin-catalog+jws", &OtherKey()));
  ASSERT_FALSE(other_key);
  EXPECT_EQ(other_key.error().reason, "bundle-signature");

  std::string tampered = Catalog(kNow);
  tampered[tampered.find('.') + 3] ^= 1;
  EXPECT_FALSE(Publish("catalog", "region", "north", tampered));

  auto wrong_typ = Publish("notice", "store", "store-1", Catalog(kNow, "store-1"));
  ASSERT_FALSE(wrong_typ);
  EXPECT_EQ(wrong_typ.error().reason, "bundle-type");

  auto expired = Publish("catalog", "region", "north", Catalog(kNow - 100, {}, kNow - 1));
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().reason, "bundle-expired");

  auto other_store = Publish("catalog", "store", "store-2", Catalog(kNow, "store-1"));
  ASSERT_FALSE(other_store);
  EXPECT_EQ(other_store.error().reason, "bundle-store");
  // A notice names one store: never for a whole region.
  auto notice_region = Publish("notice", "region", "north", Notice(2, "store-1"));
  ASSERT_FALSE(notice_region);
  EXPECT_EQ(notice_region.error().reason, "bundle-store");

  EXPECT_EQ(AnswerBundleFetch(*store_, "store-1", "north", "catalog", "").status, 404);
  EXPECT_EQ(AnswerBundleFetch(*store_, "store-1", "north", "notice", "").status, 404);
}

TEST_P(BundlesTest, NoticesAreOrderedByVersion) {
  ASSERT_TRUE(Publish("notice", "store", "store-1", Notice(2, "store-1")));
  auto older = Publish("notice", "store", "store-1", Notice(1, "store-1"));
  ASSERT_FALSE(older);
  EXPECT_EQ(older.error().reason, "bundle-rollback");
  auto newer = Publish("notice", "store", "store-1", Notice(3, "store-1"));
  ASSERT_TRUE(newer) << newer.error().message;
  EXPECT_EQ(newer->replaced->version, "2");
  EXPECT_EQ(store_->LatestBundle("notice", "store", "store-1").value()->version, "3");
}

TEST_P(BundlesTest, TheVersionsStoresReportAreKeptNewestFirst) {
  std::vector<BundleInForce> first = {{"store-1", "catalog", "c1", "\"a\"", 100},
                                      {"store-1", "notice", "2", "", 100},
                                      {"store-2", "catalog", "c1", "\"a\"", 90}};
  ASSERT_TRUE(store_->RecordBundlesInForce(first));
  std::vector<BundleInForce> later = {{"store-1", "catalog", "c2", "\"b\"", 200}};
  ASSERT_TRUE(store_->RecordBundlesInForce(later));
  std::vector<BundleInForce> late_old = {{"store-1", "catalog", "c0", "\"z\"", 50}};
  ASSERT_TRUE(store_->RecordBundlesInForce(late_old));  // a batch that arrives late
  auto all = store_->ListBundlesInForce();
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].store_id, "store-1");
  EXPECT_EQ((*all)[0].kind, "catalog");
  EXPECT_EQ((*all)[0].version, "c2");
  EXPECT_EQ((*all)[0].etag, "\"b\"");
  EXPECT_EQ((*all)[1].version, "2");
  EXPECT_EQ((*all)[2].store_id, "store-2");
}

TEST_P(BundlesTest, ThePublishCommandStoresACheckedBundleAndRefusesWithAReason) {
  const std::string key_file = (dir_ / "hq.pem").string();
  std::ofstream(key_file) << HqKey().ToPem().value();
  const std::string bundle = (dir_ / "offers.jws").string();
  const std::string jws = Catalog(kNow - 10, "store-1");
  std::ofstream(bundle) << jws << "\n";
  std::vector<std::string> args = {"--db",    url_,      "--hq-key", key_file, "--kind",
                                   "catalog", "--store", "store-1",  bundle};
  store_.reset();  // the command opens the database itself
  std::ostringstream out, err;
  ASSERT_EQ(RunPublishCommand(args, out, err), 0) << err.str();
  EXPECT_NE(out.str().find("published catalog"), std::string::npos) << out.str();

  args[7] = "store-2";
  std::ostringstream out2, err2;
  EXPECT_EQ(RunPublishCommand(args, out2, err2), 1);
  EXPECT_NE(err2.str().find("refused (bundle-store)"), std::string::npos) << err2.str();
  EXPECT_NE(err2.str().find("nothing was published"), std::string::npos);

  std::ostringstream out3, err3;
  EXPECT_EQ(RunPublishCommand(std::vector<std::string>{"--db", url_}, out3, err3), 2);
  EXPECT_NE(err3.str().find("usage: optin-hq publish"), std::string::npos);

  store_ = OpenOrDie();
  EXPECT_EQ(AnswerBundleFetch(*store_, "store-1", "north", "catalog", "").body, jws);
  EXPECT_EQ(AnswerBundleFetch(*store_, "store-2", "north", "catalog", "").status, 404);
}

TEST(IfNoneMatch, ListsWeakTagsAndStarMatch) {
  EXPECT_TRUE(IfNoneMatchHits("\"a\", \"b\"", "\"b\""));
  EXPECT_TRUE(IfNoneMatchHits("W/\"b\"", "\"b\""));
  EXPECT_TRUE(IfNoneMatchHits("*", "\"b\""));
  EXPECT_FALSE(IfNoneMatchHits("", "\"b\""));
  EXPECT_FALSE(IfNoneMatchHits("\"bb\"", "\"b\""));
}

INSTANTIATE_TEST_SUITE_P(Engines, BundlesTest,
                         ::testing::Values(Engine::kSqlite, Engine::kPostgres), EngineName);

}  // namespace
}  // namespace optin::hq::bundles_test
