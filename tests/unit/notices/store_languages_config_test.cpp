// [store] languages and [notices] in the config file (firmware/app/config.cpp): BCP 47-style
// tags, no duplicates, the first is the default; where the notices file or bundle is found.
#include <gtest/gtest.h>

#include "app/config.h"

namespace optin::app::store_languages_config_test {
namespace {

TEST(StoreLanguagesConfigTest, DefaultsToTheFiveBuiltInLanguagesEnglishFirst) {
  auto c = ParseConfig("");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->store.languages, (std::vector<std::string>{"en", "it", "es", "de", "fr"}));
}

TEST(StoreLanguagesConfigTest, TheFileSetsThemInOrder) {
  auto c = ParseConfig("[store]\nlanguages = [\"it\", \"de-CH\", \"en\"]\n");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->store.languages.front(), "it");
  EXPECT_EQ(c->store.languages.size(), 3u);
}

TEST(StoreLanguagesConfigTest, BadTagsDuplicatesAndAnEmptyListAreRefusedNamingTheKey) {
  for (std::string_view text :
       {"[store]\nlanguages = [\"italian\"]\n", "[store]\nlanguages = [\"it_IT\"]\n",
        "[store]\nlanguages = [\"it\", \"it\"]\n", "[store]\nlanguages = []\n"}) {
    auto c = ParseConfig(text);
    ASSERT_FALSE(c) << text;
    EXPECT_EQ(c.error().field, "store.languages") << text;
  }
}

TEST(StoreLanguagesConfigTest, TheNoticesFileIsInTheDataDirUnlessNamed) {
  auto c = ParseConfig("data_dir = \"/var/lib/optin-edge\"\n");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->notices_path(), std::filesystem::path("/var/lib/optin-edge/notices.json"));
  auto bundle = ParseConfig("data_dir = \"/d\"\n[notices]\nsource = \"hq-bundle\"\n");
  ASSERT_TRUE(bundle);
  EXPECT_EQ(bundle->notices_path(), std::filesystem::path("/d/notices.jws"));
  auto named = ParseConfig("[notices]\nfile = \"/etc/optin-edge/notices.json\"\n");
  ASSERT_TRUE(named);
  EXPECT_EQ(named->notices_path(), std::filesystem::path("/etc/optin-edge/notices.json"));
  auto bad = ParseConfig("[notices]\nsource = \"web\"\n");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().field, "notices.source");
}

}  // namespace
}  // namespace optin::app::store_languages_config_test
