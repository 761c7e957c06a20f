// The text of a notice version a shopper is served: by name, or by Accept-Language among the
// version's languages with the store's own first; unknown versions and languages refused by name.
#include "notices/notice_text_choice.h"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <memory>
#include <string>
#include <vector>

#include "notices/notice_store.h"
#include "store/database.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/notices/notice_test_data.h"

namespace optin::notices::notice_text_choice_test {
namespace {

using testing::TestRules;
using testing::ValidNoticeJson;

constexpr int64_t kNow = 1'800'000'000;

class NoticeTextChoiceTest : public ::testing::Test {
 protected:
  NoticeTextChoiceTest() {
    db_ = *store::Database::Open({.file = dir_ / "optin-edge.db"});
    auto n =
        ParseNotice(boost::json::serialize(ValidNoticeJson(3, false, "Test Store")), TestRules());
    EXPECT_TRUE(n) << n.error().message;
    notice_ = std::make_unique<Notice>(*n);
    EXPECT_TRUE(db_->WriteSync<Admission>(
        [&](store::Connection& c) { return NoticeStore::Admit(c, *notice_, kNow); }));
  }
  ~NoticeTextChoiceTest() override { db_->Stop(); }

  Result<ChosenNoticeText> Choose(int64_t version, std::optional<std::string> lang,
                                  std::string_view accept,
                                  std::vector<std::string> store_languages = {"en"}) {
    return db_->ReadSync<ChosenNoticeText>([&](store::Connection& c) {
      return ChooseNoticeText(c, version, lang, accept, store_languages);
    });
  }
  std::string Canonical(std::string_view lang) { return notice_->Text(lang)->canonical; }

  optin::testing::TempDir dir_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<Notice> notice_;
};

TEST_F(NoticeTextChoiceTest, ALanguageAskedByNameIsServedExactly) {
  auto it = Choose(3, "it", "es");
  ASSERT_TRUE(it) << it.error().message;
  EXPECT_EQ(it->language, "it");
  EXPECT_EQ(it->canonical, Canonical("it"));
}

TEST_F(NoticeTextChoiceTest, ALanguageTheVersionLacksIsRefusedListingWhatItHas) {
  auto nl = Choose(3, "nl", "");
  ASSERT_FALSE(nl);
  EXPECT_EQ(nl.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(nl.error().reason, "notice-language-not-found");
  EXPECT_EQ(nl.error().field, "lang");
  for (const char* has : {"en", "it", "es", "de", "fr"}) {
    EXPECT_NE(nl.error().message.find(has), std::string::npos) << nl.error().message;
  }
}

TEST_F(NoticeTextChoiceTest, AVersionThisBoxNeverStoredIsNotFound) {
  auto gone = Choose(4, std::nullopt, "it");
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(gone.error().reason, "notice-not-found");
}

TEST_F(NoticeTextChoiceTest, TheBrowsersLanguagePicksAmongTheVersions) {
  auto es = Choose(3, std::nullopt, "es-ES,es;q=0.9,en;q=0.5", {"it", "en"});
  ASSERT_TRUE(es) << es.error().message;
  EXPECT_EQ(es->language, "es");
  EXPECT_EQ(es->canonical, Canonical("es"));
}

TEST_F(NoticeTextChoiceTest, WithoutAPreferenceTheStoresDefaultLanguageLeads) {
  for (const char* accept : {"", "nl", "*;q=0"}) {
    auto chosen = Choose(3, std::nullopt, accept, {"it", "en"});
    ASSERT_TRUE(chosen) << chosen.error().message;
    EXPECT_EQ(chosen->language, "it") << "Accept-Language: " << accept;
  }
  auto unlisted = Choose(3, std::nullopt, "", {"pt", "de"});  // pt: no text in this version
  ASSERT_TRUE(unlisted) << unlisted.error().message;
  EXPECT_EQ(unlisted->language, "de");
}

}  // namespace
}  // namespace optin::notices::notice_text_choice_test
