// Notices and rollback protection against the real daemon (issue 16 parts 1, 2 and 5): the
// version in force survives a restart and an older notices file is then refused; a receipt's
// notice_sha256 is the SHA-256 of the bytes GET /v1/notices/{version}?lang= serves over the
// socket; an offer catalog bundle older (issued_at) than the one applied before is refused after
// a restart although it is validly signed and unexpired.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <fstream>
#include <sstream>

#include "offers/catalog.h"
#include "platform/crypto.h"
#include "platform/encoding.h"
#include "platform/random.h"
#include "privacy/jws.h"
#include "tests/integration/daemon_harness.h"
#include "tests/unit/notices/notice_test_data.h"

namespace optin::testing::notices_test {
namespace {

using boost::json::object;

class NoticesDaemonTest : public DaemonTest {
 protected:
  void WriteNotice(int64_t version, bool material = false) {
    std::ofstream(daemon_->data_dir() / "notices.json", std::ios::trunc)
        << boost::json::serialize(notices::testing::ValidNoticeJson(version, material));
  }
  int64_t CurrentVersion() {
    auto r = daemon_->Request("GET", "/v1/notices/current?lang=en");
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json().as_object().at("version").as_int64();
  }
  std::string Log() const { return ReadWholeFile(daemon_->log_file()); }
};

TEST_F(NoticesDaemonTest, TheVersionInForceSurvivesARestartAndAnOlderFileIsRefused) {
  EXPECT_EQ(CurrentVersion(), 1);  // the built-in notice
  ASSERT_EQ(daemon_->Stop(), 0);
  WriteNotice(3);
  ASSERT_TRUE(daemon_->Start()) << Log();
  EXPECT_EQ(CurrentVersion(), 3);

  // Checked before installing: optinctl sees the version in force in the box's database.
  const auto older = daemon_->data_dir().parent_path() / "notices-v2.json";
  std::ofstream(older) << boost::json::serialize(notices::testing::ValidNoticeJson(2));
  auto check = daemon_->CtlResult("notice check " + older.string());
  EXPECT_EQ(check.exit_code, 1) << check.out;
  EXPECT_NE(check.out.find("version-rollback"), std::string::npos) << check.out;

  ASSERT_EQ(daemon_->Stop(), 0);
  WriteNotice(2);
  ASSERT_TRUE(daemon_->Start()) << Log();
  EXPECT_EQ(CurrentVersion(), 3);
  const std::string log = Log();
  const size_t refused = log.rfind("\"event\":\"notices.refused\"");
  ASSERT_NE(refused, std::string::npos) << log;
  EXPECT_NE(log.find("version-rollback", refused), std::string::npos);
  // Both earlier versions' texts stay servable.
  EXPECT_EQ(daemon_->Request("GET", "/v1/notices/1?lang=it").status, 200);
  EXPECT_EQ(daemon_->Request("GET", "/v1/notices/2?lang=it").status, 404);
}

TEST_F(NoticesDaemonTest, AReceiptsNoticeSha256IsTheHashOfTheBytesOnTheWire) {
  CheckedIn in = CheckIn("notice-shopper", R"({"offers": true})");
  const auto& payload = in.response.at("receipt").at("payload").as_object();
  const std::string language(payload.at("language").as_string());
  EXPECT_EQ(language, "en");  // no Accept-Language: the store's default
  auto served = daemon_->Request(
      "GET", "/v1/notices/" + std::to_string(payload.at("notice_version").as_int64()) +
                 "?lang=" + language);
  ASSERT_EQ(served.status, 200) << served.body;
  EXPECT_EQ(payload.at("notice_sha256").as_string(),
            platform::HexEncode(platform::Sha256(served.body)));
}

TEST_F(NoticesDaemonTest, AnOlderSignedCatalogBundleIsRefusedAfterARestart) {
  ASSERT_EQ(daemon_->Stop(), 0);
  const auto config = dir_ / "bundle.toml";
  std::ofstream(config) << "[listen]\nplain_http = true\n[admin]\nport = 0\n[offers]\n"
                           "source = \"hq-bundle\"\ncatalog_bundle = \""
                        << (dir_ / "offers.jws").string() << "\"\n";
  daemon_ = std::make_unique<Daemon>(dir_ / "data", std::vector<std::string>{"--config", config});
  auto key = platform::EcdsaPrivateKey::FromPem(
      ReadWholeFile(dir_ / "data" / "keys" / "dev-hq-token.pem"));
  ASSERT_TRUE(key) << key.error().message;
  platform::SeededRandom random(5);
  const int64_t now = std::time(nullptr);
  auto bundle = [&](std::string version, int64_t issued_at) {
    object p{{"version", version},
             {"offers", boost::json::array{}},
             {"issued_at", issued_at},
             {"expires_at", now + 86400},
             {"store_id", "dev-store"}};
    return *privacy::SignJws(*key, random, key->PublicKey().KeyId(), offers::kCatalogBundleType, p);
  };
  std::ofstream(dir_ / "offers.jws", std::ios::trunc) << bundle("newer", now - 60);
  ASSERT_TRUE(daemon_->Start()) << Log();
  EXPECT_NE(Log().find("\"version\":\"newer\""), std::string::npos) << Log();
  ASSERT_EQ(daemon_->Stop(), 0);

  std::ofstream(dir_ / "offers.jws", std::ios::trunc) << bundle("older", now - 3600);
  ASSERT_TRUE(daemon_->Start()) << Log();
  const std::string log = Log();
  const size_t refused = log.rfind("\"event\":\"offers.catalog_refused\"");
  ASSERT_NE(refused, std::string::npos) << log;
  EXPECT_NE(log.find("older than the one applied before", refused), std::string::npos) << log;
  EXPECT_EQ(log.find("\"version\":\"older\""), std::string::npos);
}

}  // namespace
}  // namespace optin::testing::notices_test
