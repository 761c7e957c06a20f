// Where the real daemon finds its offer catalog (issue 19 part 3): the data dir's offers.json in
// every setup (with or without --config) unless the config names offers.catalog_file; the old
// place beside the config file still works, with a warning; without any catalog the daemon says
// so in its log, /readyz reports catalog_loaded false (and stays ready), and shoppers are told
// that the store has published no offers, not that nothing matched.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/integration/daemon_harness.h"

namespace optin::testing::catalog_location_test {
namespace {

const std::filesystem::path kExampleCatalog =
    std::filesystem::path(OPTIN_SOURCE_DIR) / "config" / "offers.example.json";

class CatalogLocationTest : public ::testing::Test {
 protected:
  // A config file in its own folder (not the data dir's), as in a packaged install.
  std::filesystem::path WriteConfig(const std::string& extra = "") {
    std::filesystem::create_directories(dir_ / "etc");
    const auto file = dir_ / "etc" / "box.toml";
    std::ofstream(file) << "[listen]\nplain_http = true\n[admin]\nport = 0\n" << extra;
    return file;
  }
  void StartWith(std::vector<std::string> args) {
    std::filesystem::create_directories(dir_ / "data");
    daemon_ = std::make_unique<Daemon>(dir_ / "data", std::move(args));
    daemon_->Ctl("token init-dev");
    ASSERT_TRUE(daemon_->Start()) << ReadWholeFile(daemon_->log_file());
  }
  boost::json::object Ready() {
    auto r = daemon_->Request("GET", "/readyz");
    EXPECT_EQ(r.status, 200) << r.body;
    auto v = r.json();
    return v.is_object() ? v.as_object()["checks"].as_object() : boost::json::object{};
  }
  // GET /v1/offers for a fresh shopper who turned offers on.
  boost::json::object Offers() {
    const std::string token = daemon_->MintToken("shopper-1");
    auto in = daemon_->Request(
        "POST", "/v1/checkins",
        R"({"presence_code":")" + daemon_->PresenceCode() + R"(","purposes":{"offers":true}})",
        token);
    EXPECT_EQ(in.status, 201) << in.body;
    auto r = daemon_->Request("GET", "/v1/offers", "", token);
    EXPECT_EQ(r.status, 200) << r.body;
    auto v = r.json();
    return v.is_object() ? v.as_object() : boost::json::object{};
  }
  std::string Log() const { return ReadWholeFile(daemon_->log_file()); }

  TempDir dir_;
  std::unique_ptr<Daemon> daemon_;
};

TEST_F(CatalogLocationTest,
       WithoutACatalogTheDaemonWarnsStaysReadyAndTellsShoppersNoneArePublished) {
  StartWith({});
  EXPECT_NE(Log().find("\"event\":\"offers.no_catalog\""), std::string::npos) << Log();
  auto checks = Ready();
  EXPECT_EQ(checks["catalog_loaded"], false);
  auto offers = Offers();
  EXPECT_EQ(offers["catalog_published"], false);
  const std::string note(offers["note"].as_string());
  EXPECT_NE(note.find("not published any offers"), std::string::npos) << note;
  EXPECT_EQ(note.find("matches"), std::string::npos) << note;
}

TEST_F(CatalogLocationTest, WithAConfigFileTheCatalogIsStillTheDataDirsOffersJson) {
  std::filesystem::create_directories(dir_ / "data");
  std::filesystem::copy_file(kExampleCatalog, dir_ / "data" / "offers.json");
  StartWith({"--config", WriteConfig().string()});
  EXPECT_EQ(Log().find("offers.no_catalog"), std::string::npos) << Log();
  EXPECT_EQ(Ready()["catalog_loaded"], true);
  auto offers = Offers();
  EXPECT_EQ(offers["catalog_published"], true);
  EXPECT_EQ(offers["catalog_version"], "example-2026-11");
}

TEST_F(CatalogLocationTest, ACatalogFileNamedInTheConfigWinsOverTheDataDirs) {
  std::filesystem::create_directories(dir_ / "data");
  std::filesystem::copy_file(kExampleCatalog, dir_ / "data" / "offers.json");
  const auto config = WriteConfig("[offers]\ncatalog_file = \"chosen.json\"\n");
  std::string chosen = ReadWholeFile(kExampleCatalog);
  chosen.replace(chosen.find("example-2026-11"), 15, "chosen-version1");
  std::ofstream(dir_ / "etc" / "chosen.json") << chosen;
  StartWith({"--config", config.string()});
  EXPECT_EQ(Offers()["catalog_version"], "chosen-version1");
}

TEST_F(CatalogLocationTest, ACatalogBesideTheConfigFileStillLoadsWithAWarningToMoveIt) {
  const auto config = WriteConfig();
  std::filesystem::copy_file(kExampleCatalog, dir_ / "etc" / "offers.json");
  StartWith({"--config", config.string()});
  EXPECT_NE(Log().find("\"event\":\"offers.catalog_legacy_location\""), std::string::npos) << Log();
  EXPECT_EQ(Ready()["catalog_loaded"], true);
  EXPECT_EQ(Offers()["catalog_version"], "example-2026-11");
}

}  // namespace
}  // namespace optin::testing::catalog_location_test
