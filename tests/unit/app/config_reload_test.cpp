// What a reload needs from the configuration: the rate limit keys, the flags a config was built
// from (to build it again), and which settings differ between two builds.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "app/config.h"
#include "tests/support/temp_dir.h"

namespace optin::app::config_reload_test {
namespace {

Config MustParse(std::string_view text) {
  auto c = ParseConfig(text, "test.toml");
  EXPECT_TRUE(c.has_value()) << c.error().message;
  return c.value_or(Config{});
}

TEST(ConfigRateLimits, DefaultsLimitEveryAddressButTheBoxItself) {
  const Config c = MustParse("");
  EXPECT_EQ(c.limits.rate_per_second, 50);
  EXPECT_EQ(c.limits.rate_burst, 200);
  EXPECT_EQ(c.limits.rate_clients, 4096);
  EXPECT_EQ(c.limits.rate_exempt, (std::vector<std::string>{"127.0.0.1", "::1"}));
}

TEST(ConfigRateLimits, ZeroPerSecondIsAcceptedAsOffAndABurstOfZeroIsNot) {
  EXPECT_EQ(MustParse("[limits]\nrate_per_second = 0\n").limits.rate_per_second, 0);
  auto bad = ParseConfig("[limits]\nrate_burst = 0\n");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().field, "limits.rate_burst");
}

TEST(ConfigRateLimits, ExemptEntriesMustBeIpAddresses) {
  EXPECT_TRUE(ParseConfig("[limits]\nrate_exempt = [\"10.0.0.2\", \"fe80::1\"]\n").has_value());
  auto bad = ParseConfig("[limits]\nrate_exempt = [\"kiosk.local\"]\n");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().field, "limits.rate_exempt");
  EXPECT_NE(bad.error().message.find("kiosk.local"), std::string::npos) << bad.error().message;
}

TEST(ChangedSettings, NamesSettingsSetChangedOrRemovedInTheFile) {
  const Config before = MustParse(
      "[limits]\nrate_burst = 10\nmax_body_bytes = 4096\n[log]\nlevel = \"info\"\n"
      "[store]\nid = \"a\"\n");
  const Config after = MustParse(
      "[limits]\nrate_burst = 20\nmax_body_bytes = 4096\n[log]\nlevel = \"info\"\n"
      "[listen]\nport = 1\n");
  EXPECT_EQ(ChangedSettings(before, after),
            (std::vector<std::string>{"limits.rate_burst", "listen.port", "store.id"}));
  EXPECT_TRUE(ChangedSettings(after, after).empty());
}

TEST(ChangedSettings, CommentsOrderAndSpacingAreNotChanges) {
  const Config before = MustParse("[limits]\nrate_burst = 10\nrate_exempt = [\"::1\"]\n");
  const Config after =
      MustParse("# tuned\n[limits]\nrate_exempt = [ \"::1\" ]   # loopback\nrate_burst=10\n");
  EXPECT_TRUE(ChangedSettings(before, after).empty());
}

TEST(ChangedSettings, ListsAndScannerTablesAreComparedWhole) {
  const Config before = MustParse(
      "[store]\ninterests = [\"yoga\"]\n[[scanners]]\nname = \"k\"\nkind = \"fifo\"\n"
      "device = \"var/a.fifo\"\n");
  const Config after = MustParse(
      "[store]\ninterests = [\"yoga\", \"golf\"]\n[[scanners]]\nname = \"k\"\nkind = \"fifo\"\n"
      "device = \"var/b.fifo\"\n");
  EXPECT_EQ(ChangedSettings(before, after),
            (std::vector<std::string>{"scanners", "store.interests"}));
}

TEST(ConfigSource, ConfigFromArgsKeepsTheFlagsItConsumedSoThatAReloadBuildsTheSameConfig) {
  optin::testing::TempDir dir;
  const auto file = dir.path() / "optin-edge.toml";
  std::ofstream(file) << "[limits]\nrate_burst = 7\n";
  std::vector<std::string> args{"--config", file.string(), "--data-dir", "/srv/d",
                                "--listen", "127.0.0.1:0", "serve"};
  auto first = ConfigFromArgs(args);
  ASSERT_TRUE(first.has_value()) << first.error().message;
  EXPECT_EQ(args, (std::vector<std::string>{"serve"}));
  EXPECT_EQ(first->source_args, (std::vector<std::string>{"--config", file.string(), "--data-dir",
                                                          "/srv/d", "--listen", "127.0.0.1:0"}));

  std::ofstream(file) << "[limits]\nrate_burst = 9\n";
  std::vector<std::string> again = first->source_args;
  auto second = ConfigFromArgs(again);
  ASSERT_TRUE(second.has_value()) << second.error().message;
  EXPECT_EQ(second->limits.rate_burst, 9);
  EXPECT_EQ(second->data_dir, std::filesystem::path("/srv/d"));  // the flags still win
  EXPECT_EQ(ChangedSettings(*first, *second), (std::vector<std::string>{"limits.rate_burst"}));
}

}  // namespace
}  // namespace optin::app::config_reload_test
