// The bundle routes of the optin-hq program over real TLS, on both engines (issue 15 part 5):
// a store's certificate fetches GET /v1/bundles/{kind} (its own publication over its region's,
// the strong ETag, 304, 404, a store not in the stores file refused), and the versions a store
// reports in its batches are listed for people with a session at GET /v1/bundles/in-force.
#include <gtest/gtest.h>

#include "privacy/jws.h"
#include "tests/tools/optin-hq/hq_process.h"
#include "tools/optin-hq/bundle_publish_command.h"
#include "tools/optin-hq/bundle_record.h"

namespace optin::hq::bundle_route_test {
namespace {

class BundleRouteTest : public HqProcessFixture {
 protected:
  void SetUp() override {
    HqProcessFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    signer_ = std::make_unique<platform::EcdsaPrivateKey>(
        ValueOrDie(platform::EcdsaPrivateKey::Generate(random_), "hq signing key"));
    WriteText(dir_ / "signing.pem", ValueOrDie(signer_->ToPem(), "pem"));
    WriteText(dir_ / "stores.toml",
              Toml("s1", "north") + Toml("s2", "north") + Toml("s3", "south"));
  }
  static std::string Toml(const std::string& id, const std::string& region) {
    return "[[store]]\nid = \"" + id + "\"\nname = \"Shop " + id + "\"\nregion = \"" + region +
           "\"\ncountry = \"IT\"\nopened = 2026-01-01\n";
  }
  std::string Catalog(const std::string& version, int64_t issued_at, const std::string& store) {
    json::object p{{"version", version},
                   {"offers", json::array{}},
                   {"issued_at", issued_at},
                   {"expires_at", now_ + 86'400}};
    if (!store.empty()) p["store_id"] = store;
    return ValueOrDie(privacy::SignJws(*signer_, random_, "hq", "optin-catalog+jws", p), "sign");
  }
  int Publish(const std::string& flag, const std::string& target, const std::string& jws) {
    const auto file = dir_ / ("b" + std::to_string(++files_) + ".jws");
    WriteText(file, jws);
    std::vector<std::string> args = {
        "--db", url_,   "--hq-key",   (dir_ / "signing.pem").string(), "--kind", "catalog",
        flag,   target, file.string()};
    std::ostringstream out, err;
    return RunPublishCommand(args, out, err);
  }
  Result<net::Response> Fetch(const std::string& store, const std::string& kind,
                              const std::string& etag = {}) {
    std::vector<std::pair<std::string, std::string>> h;
    if (!etag.empty()) h.emplace_back("If-None-Match", etag);
    return Call(port_, Store(store).tls, "GET", "/v1/bundles/" + kind, {}, h);
  }
  static std::string Header(const net::Response& r, std::string_view name) {
    for (const auto& [n, v] : r.headers) {
      std::string lower = n;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lower == name) return v;
    }
    return {};
  }

  std::unique_ptr<platform::EcdsaPrivateKey> signer_;
  int files_ = 0;
};

TEST_P(BundleRouteTest, AStoreFetchesItsOwnOrItsRegionsBundleWithEtagAnd304) {
  const std::string region = Catalog("north-1", now_ - 100, "");
  const std::string own = Catalog("s1-1", now_ - 200, "s1");
  ASSERT_EQ(Publish("--region", "north", region), 0);
  ASSERT_EQ(Publish("--store", "s1", own), 0);
  ASSERT_TRUE(StartHq({"--stores", (dir_ / "stores.toml").string()})) << Log();

  auto mine = Fetch("s1", "catalog");
  ASSERT_TRUE(mine) << mine.error().message;
  ASSERT_EQ(mine->status, 200) << mine->body;
  EXPECT_EQ(mine->body, own);
  EXPECT_EQ(Header(*mine, "etag"), BundleEtag(own));
  EXPECT_EQ(Header(*mine, "content-type"), "application/jose");

  auto theirs = Fetch("s2", "catalog");
  ASSERT_TRUE(theirs);
  EXPECT_EQ(theirs->body, region);
  auto unchanged = Fetch("s2", "catalog", BundleEtag(region));
  ASSERT_TRUE(unchanged);
  EXPECT_EQ(unchanged->status, 304);
  EXPECT_TRUE(unchanged->body.empty());

  auto none = Fetch("s3", "catalog");  // region south: nothing published
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 404);
  EXPECT_NE(none->body.find("urn:optin-hq:problem:no-bundle"), std::string::npos) << none->body;
  auto unknown_kind = Fetch("s1", "offers");
  ASSERT_TRUE(unknown_kind);
  EXPECT_EQ(unknown_kind->status, 404);
  auto stranger = Fetch("s9", "catalog");  // a valid certificate, not in the stores file
  ASSERT_TRUE(stranger);
  EXPECT_EQ(stranger->status, 403);
  EXPECT_NE(stranger->body.find("unknown-store"), std::string::npos);
}

TEST_P(BundleRouteTest, TheVersionsAStoreReportsAreListedForPeopleWithASession) {
  ASSERT_TRUE(StartHq({"--stores", (dir_ / "stores.toml").string()})) << Log();
  sync::BatchContent c;
  c.store_id = "s1";
  c.period_start = UtcDayStart(20700);
  c.period_end = UtcDayStart(20701);
  c.periods = {sync::PeriodRange{c.period_start, c.period_end}};
  c.software_version = "test";
  c.audit_head = std::string(64, 'a');
  c.created_at = c.period_end + 60;
  c.metrics["checkins_total"].cells["all"] = 3;
  c.metrics["checkins_total"].variance["all"] = 2.0;
  c.metrics["checkins_total"].cap = 1;
  c.metrics["checkins_total"].epsilon_micros = 250'000;
  c.bundles["catalog"] = sync::BundleInForce{"s1-7", "\"abc\""};
  c.bundles["notice"] = sync::BundleInForce{"4", ""};
  const std::string batch =
      ValueOrDie(sync::MakeJwsSigner(*Store("s1").key, random_)(sync::BatchPayload(c)), "sign");
  auto up = Upload("s1", {batch});
  ASSERT_TRUE(up && up->status == 200) << (up ? up->body : up.error().message);
  ASSERT_NE(up->body.find("\"stored\""), std::string::npos) << up->body;

  auto anonymous = Web("GET", "/v1/bundles/in-force");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
  ASSERT_EQ(AddUser("ana", "analyst", "correct horse battery"), 0);
  ASSERT_EQ(LogIn("ana", "correct horse battery")->status, 200);
  auto listed = Web("GET", "/v1/bundles/in-force");
  ASSERT_TRUE(listed && listed->status == 200) << (listed ? listed->body : "");
  const auto stores = json::parse(listed->body).as_object().at("stores").as_array();
  ASSERT_EQ(stores.size(), 2u) << listed->body;
  EXPECT_EQ(stores[0].at("store_id").as_string(), "s1");
  EXPECT_EQ(stores[0].at("kind").as_string(), "catalog");
  EXPECT_EQ(stores[0].at("version").as_string(), "s1-7");
  EXPECT_EQ(stores[0].at("etag").as_string(), "\"abc\"");
  EXPECT_EQ(stores[1].at("version").as_string(), "4");
  EXPECT_EQ(stores[1].at("reported_at").as_int64(), c.created_at);
}

INSTANTIATE_TEST_SUITE_P(Engines, BundleRouteTest,
                         ::testing::Values(Engine::kSqlite, Engine::kPostgres), EngineName);

}  // namespace
}  // namespace optin::hq::bundle_route_test
