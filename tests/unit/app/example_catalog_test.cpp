// The example offer catalog shipped in config/ (tools/run installs it for a first try) is one
// the daemon accepts with its default interest list.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/config.h"
#include "offers/catalog.h"

namespace optin::app::example_catalog_test {
namespace {

TEST(ExampleCatalog, ShippedExampleIsAcceptedWithTheDefaultInterests) {
  const auto file = std::filesystem::path(OPTIN_SOURCE_DIR) / "config" / "offers.example.json";
  std::ifstream in(file);
  ASSERT_TRUE(in) << file;
  std::stringstream text;
  text << in.rdbuf();
  auto catalog = offers::ParseCatalog(text.str(), offers::CatalogRules{Config{}.store.interests});
  ASSERT_TRUE(catalog.has_value()) << catalog.error().message;
  EXPECT_GE(catalog->offers.size(), Config{}.store.interests.size());
  // Every default interest has at least one offer, so any shopper who declares one sees some.
  for (const auto& interest : Config{}.store.interests) {
    EXPECT_TRUE(catalog->by_category.contains(interest)) << interest;
  }
}

}  // namespace
}  // namespace optin::app::example_catalog_test
