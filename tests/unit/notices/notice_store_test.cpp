#include "notices/notice_store.h"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <memory>

#include "notices/builtin_notice.h"
#include "notices/rollback_floor.h"
#include "store/database.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/notices/notice_test_data.h"

namespace optin::notices::notice_store_test {
namespace {

using testing::TestFacts;
using testing::TestRules;
using testing::ValidNoticeJson;

constexpr int64_t kNow = 1'800'000'000;

// A product database in a file that a test can close and open again (a restart).
class NoticeStoreTest : public ::testing::Test {
 protected:
  NoticeStoreTest() { Open(); }
  ~NoticeStoreTest() override {
    if (db_) db_->Stop();
  }
  void Open() { db_ = *store::Database::Open({.file = dir_ / "optin-edge.db"}); }
  void Restart() {
    db_->Stop();
    db_.reset();
    Open();
  }

  Notice FileNotice(int64_t version, bool material = false, std::string store = "Test Store") {
    auto n =
        ParseNotice(boost::json::serialize(ValidNoticeJson(version, material, store)), TestRules());
    EXPECT_TRUE(n) << n.error().message;
    return *n;
  }
  Result<Admission> Admit(const Notice& n, bool renumber = false) {
    return db_->WriteSync<Admission>(
        [&](store::Connection& c) { return NoticeStore::Admit(c, n, kNow, renumber); });
  }
  std::optional<NoticeInForce> InForce() {
    return *db_->ReadSync<std::optional<NoticeInForce>>(
        [](store::Connection& c) { return NoticeStore::LoadInForce(c); });
  }
  std::optional<std::string> Text(int64_t version, std::string_view lang) {
    return *db_->ReadSync<std::optional<std::string>>(
        [&](store::Connection& c) { return NoticeStore::CanonicalText(c, version, lang); });
  }

  optin::testing::TempDir dir_;
  std::unique_ptr<store::Database> db_;
};

TEST_F(NoticeStoreTest, NothingIsInForceOnAFreshBox) { EXPECT_FALSE(InForce()); }

TEST_F(NoticeStoreTest, TheVersionInForceSurvivesARestart) {
  ASSERT_TRUE(Admit(FileNotice(3)));
  Restart();
  auto in_force = InForce();
  ASSERT_TRUE(in_force);
  EXPECT_EQ(in_force->notice->version, 3);
  EXPECT_EQ(in_force->notice->source, "file");
  EXPECT_EQ(in_force->notice->Text("it")->sha256, FileNotice(3).Text("it")->sha256);
}

TEST_F(NoticeStoreTest, AnOlderVersionIsRefusedAfterARestartAndTheNewerStays) {
  ASSERT_TRUE(Admit(FileNotice(3)));
  Restart();
  auto older = Admit(FileNotice(2));
  ASSERT_FALSE(older);
  EXPECT_EQ(older.error().field, "/version");
  EXPECT_EQ(older.error().reason, "version-rollback");
  EXPECT_EQ(InForce()->notice->version, 3);
  EXPECT_FALSE(Text(2, "en"));
}

TEST_F(NoticeStoreTest, TheSameVersionAgainChangesNothingButOtherTextsUnderItAreRefused) {
  ASSERT_TRUE(Admit(FileNotice(3)));
  auto again = Admit(FileNotice(3));
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_FALSE(again->installed);
  auto changed = Admit(FileNotice(3, false, "Another Store"));
  ASSERT_FALSE(changed);
  EXPECT_EQ(changed.error().reason, "version-not-newer");
  EXPECT_EQ(changed.error().field, "/version");
}

TEST_F(NoticeStoreTest, EveryEarlierVersionsTextsStayServable) {
  const Notice v1 = FileNotice(1);
  ASSERT_TRUE(Admit(v1));
  ASSERT_TRUE(Admit(FileNotice(2, true)));
  ASSERT_TRUE(Admit(FileNotice(5)));
  EXPECT_EQ(Text(1, "it"), v1.Text("it")->canonical);
  EXPECT_EQ(Text(5, "de"), FileNotice(5).Text("de")->canonical);
  EXPECT_FALSE(Text(3, "de"));
  EXPECT_FALSE(Text(5, "nl"));
}

TEST_F(NoticeStoreTest, RenewalFollowsTheNewestMaterialVersion) {
  ASSERT_TRUE(Admit(FileNotice(1)));
  EXPECT_EQ(InForce()->renew_before, 0);
  ASSERT_TRUE(Admit(FileNotice(2, true)));
  EXPECT_EQ(InForce()->renew_before, 2);
  auto v3 = Admit(FileNotice(3, false));
  ASSERT_TRUE(v3);
  EXPECT_EQ(v3->in_force.renew_before, 2);
  EXPECT_EQ(v3->in_force.notice->version, 3);
}

TEST_F(NoticeStoreTest, TheBuiltInNoticeIsRenumberedWhenItsWordsChange) {
  auto a = BuiltInNotice(TestFacts("Store A"), TestRules());
  ASSERT_TRUE(Admit(*a, true));
  EXPECT_EQ(InForce()->notice->version, 1);
  auto same = Admit(*a, true);
  ASSERT_TRUE(same);
  EXPECT_FALSE(same->installed);
  auto b = BuiltInNotice(TestFacts("Store B"), TestRules());
  auto renamed = Admit(*b, true);
  ASSERT_TRUE(renamed) << renamed.error().message;
  EXPECT_TRUE(renamed->installed);
  EXPECT_EQ(renamed->in_force.notice->version, 2);
  EXPECT_FALSE(renamed->in_force.notice->material);
  EXPECT_EQ(renamed->in_force.notice->Text("en")->document.at("version").as_int64(), 2);
  EXPECT_EQ(InForce()->renew_before, 0);
}

TEST_F(NoticeStoreTest, ACatalogRollbackFloorOnlyRisesAndSurvivesARestart) {
  auto get = [&] {
    return *db_->ReadSync<std::optional<int64_t>>(
        [](store::Connection& c) { return RollbackFloor::Get(c, kCatalogIssuedAt); });
  };
  auto raise = [&](int64_t v) {
    ASSERT_TRUE(db_->WriteSync(
        [v](store::Connection& c) { return RollbackFloor::Raise(c, kCatalogIssuedAt, v, kNow); }));
  };
  EXPECT_FALSE(get());
  raise(1000);
  raise(900);
  EXPECT_EQ(get(), 1000);
  Restart();
  EXPECT_EQ(get(), 1000);
  raise(1001);
  EXPECT_EQ(get(), 1001);
}

}  // namespace
}  // namespace optin::notices::notice_store_test
