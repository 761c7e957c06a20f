// The device routes through SystemApi's handlers: liveness, readiness, the receipt-verifying
// public key and what the store offers.
#include "api/system_api.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "consent/purpose.h"
#include "platform/encoding.h"
#include "privacy/jws.h"
#include "tests/unit/api/api_fixture.h"

namespace optin::testing::system_api_test {
namespace {

class SystemApiTest : public ApiFixture {
 protected:
  Reply Get(void (api::SystemApi::*handler)(net::Request&&, net::Responder) const,
            std::string path) {
    return Call(handler, MakeRequest("GET", std::move(path)));
  }
};

TEST_F(SystemApiTest, HealthzIsAlwaysOk) {
  serving_ = false;
  Reply r = Get(&api::SystemApi::Healthz, "/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.obj().at("status").as_string(), "ok");
}

TEST_F(SystemApiTest, ReadyzIs200WhenServing) {
  serving_ = true;
  Reply r = Get(&api::SystemApi::Readyz, "/readyz");
  ASSERT_EQ(r.status, 200) << r.raw_body;
  EXPECT_EQ(r.obj().at("status").as_string(), "ready");
  const auto& checks = r.obj().at("checks").as_object();
  EXPECT_EQ(checks.at("database_writable").as_bool(), true);
  EXPECT_EQ(checks.at("listener_up").as_bool(), true);
  EXPECT_EQ(checks.at("hq_token_key_provisioned").as_bool(), true);
}

TEST_F(SystemApiTest, ReadyzIs503WhenNotServing) {
  serving_ = false;
  Reply r = Get(&api::SystemApi::Readyz, "/readyz");
  EXPECT_EQ(r.status, 503) << r.raw_body;
  EXPECT_EQ(r.obj().at("status").as_string(), "not_ready");
  EXPECT_EQ(r.obj().at("checks").as_object().at("listener_up").as_bool(), false);
}

TEST_F(SystemApiTest, ReadyzIs503WhenTheDatabaseHasStopped) {
  serving_ = true;
  db_->Stop();
  Reply r = Get(&api::SystemApi::Readyz, "/readyz");
  EXPECT_EQ(r.status, 503) << r.raw_body;
  EXPECT_EQ(r.obj().at("checks").as_object().at("database_writable").as_bool(), false);
}

TEST_F(SystemApiTest, ReadyzProvesTheDatabaseWritableWithADurableWrite) {
  serving_ = true;
  auto probes = [&] {
    return db_->ReadSync<int64_t>([](store::Connection& c) -> Result<int64_t> {
      OPTIN_ASSIGN_OR_RETURN(auto stmt, c.Prepare("SELECT coalesce(max(probes), 0) FROM "
                                                  "readiness_probe"));
      OPTIN_TRY(stmt.Step());
      return stmt.ColumnInt(0);
    });
  };
  ASSERT_EQ(probes(), 0);
  ASSERT_EQ(Get(&api::SystemApi::Readyz, "/readyz").status, 200);
  EXPECT_EQ(probes(), 1);
  ASSERT_EQ(Get(&api::SystemApi::Readyz, "/readyz").status, 200);
  EXPECT_EQ(probes(), 2) << "every probe commits a change";
}

TEST_F(SystemApiTest, ReadyzNamesEveryFailedCheckAndWhy) {
  serving_ = false;
  db_->Stop();
  Reply r = Get(&api::SystemApi::Readyz, "/readyz");
  ASSERT_EQ(r.status, 503) << r.raw_body;
  const auto& failed = r.obj().at("failed").as_array();
  ASSERT_EQ(failed.size(), 2u) << r.raw_body;
  EXPECT_EQ(failed[0].as_string(), "database_writable");
  EXPECT_EQ(failed[1].as_string(), "listener_up");
  const std::string detail(r.obj().at("detail").as_string());
  EXPECT_NE(detail.find("database_writable: "), std::string::npos) << detail;
  EXPECT_NE(detail.find("listener_up: "), std::string::npos) << detail;
  EXPECT_EQ(r.obj().at("checks").as_object().at("keys_loaded").as_bool(), true);
}

TEST_F(SystemApiTest, AReadyAnswerListsNoFailure) {
  serving_ = true;
  Reply r = Get(&api::SystemApi::Readyz, "/readyz");
  ASSERT_EQ(r.status, 200) << r.raw_body;
  EXPECT_FALSE(r.obj().contains("failed"));
  EXPECT_EQ(r.obj().at("checks").as_object().at("keys_loaded").as_bool(), true);
}

TEST_F(SystemApiTest, ReadyzReportsAnUnprovisionedHqKey) {
  auto unprovisioned = MakeStack("1", /*provisioned=*/false);
  Reply r = Call(&api::SystemApi::Readyz, MakeRequest("GET", "/readyz"), unprovisioned.get());
  EXPECT_EQ(r.obj().at("checks").as_object().at("hq_token_key_provisioned").as_bool(), false);
}

TEST_F(SystemApiTest, DeviceKeysGiveTheKeyStoresPublicKeyAsAJwk) {
  Reply r = Get(&api::SystemApi::DeviceKeys, "/v1/device/keys");
  ASSERT_EQ(r.status, 200) << r.raw_body;
  const auto& keys = r.obj().at("keys").as_array();
  ASSERT_EQ(keys.size(), 1u);
  const auto& jwk = keys[0].as_object();
  const platform::EcdsaPublicKey& device = keys_->SigningPublicKey();
  EXPECT_EQ(jwk.at("kty").as_string(), "EC");
  EXPECT_EQ(jwk.at("crv").as_string(), "P-256");
  EXPECT_EQ(jwk.at("alg").as_string(), "ES256");
  EXPECT_EQ(jwk.at("kid").as_string(), device.KeyId());
  auto x = platform::Base64UrlDecode(jwk.at("x").as_string());
  auto y = platform::Base64UrlDecode(jwk.at("y").as_string());
  ASSERT_TRUE(x && y);
  EXPECT_EQ(*x, device.X());
  EXPECT_EQ(*y, device.Y());
  EXPECT_EQ(x->size(), 32u);
  EXPECT_EQ(r.obj().at("store_id").as_string(), kTestStoreId);
}

TEST_F(SystemApiTest, PublishedPemVerifiesACheckInReceipt) {
  Reply checkin = CheckIn(MintAppToken("app-user-7"));
  ASSERT_EQ(checkin.status, 201) << checkin.raw_body;
  Reply keys = Get(&api::SystemApi::DeviceKeys, "/v1/device/keys");
  auto published = platform::EcdsaPublicKey::FromPem(keys.obj().at("pem").as_string());
  ASSERT_TRUE(published.has_value()) << published.error().message;
  EXPECT_TRUE(
      privacy::VerifyJws(*published, checkin.obj().at("receipt").as_object().at("jws").as_string())
          .has_value());
}

TEST_F(SystemApiTest, StoreListsEveryPurposeOffByDefaultAndItsInterests) {
  Reply r = Get(&api::SystemApi::StoreInfo, "/v1/store");
  ASSERT_EQ(r.status, 200) << r.raw_body;
  EXPECT_EQ(r.obj().at("store_id").as_string(), kTestStoreId);
  EXPECT_EQ(r.obj().at("policy_version").as_string(), "1");

  std::set<std::string> purposes;
  for (const auto& p : r.obj().at("purposes").as_array()) {
    const auto& o = p.as_object();
    const std::string id(o.at("purpose").as_string());
    purposes.insert(id);
    EXPECT_FALSE(o.at("description").as_string().empty()) << id;
    EXPECT_EQ(o.at("default").as_string(), id == "presence" ? "asked at check-in" : "off") << id;
  }
  EXPECT_EQ(purposes, (std::set<std::string>{"presence", "offers", "assistance", "name_to_staff",
                                             "history", "hq_aggregates"}));

  std::vector<std::string> interests;
  for (const auto& i : r.obj().at("interests").as_array()) {
    interests.emplace_back(i.as_string());
  }
  EXPECT_EQ(interests, TestInterests());
}

TEST_F(SystemApiTest, StoreListsItsHelpTopicsAndExpertiseLevelsForTheShopperPage) {
  Reply r = Get(&api::SystemApi::StoreInfo, "/v1/store");
  ASSERT_EQ(r.status, 200) << r.raw_body;
  std::vector<std::string> topics;
  for (const auto& t : r.obj().at("assist_topics").as_array()) topics.emplace_back(t.as_string());
  EXPECT_EQ(topics, TestAssistTopics());
  std::vector<std::string> levels;
  for (const auto& l : r.obj().at("expertise_levels").as_array()) {
    levels.emplace_back(l.as_string());
  }
  EXPECT_EQ(levels, (std::vector<std::string>{"beginner", "intermediate", "expert"}));
}

TEST_F(SystemApiTest, StoreTellsHowLongItKeepsThingsForThePrivacyNotice) {
  Reply r = Get(&api::SystemApi::StoreInfo, "/v1/store");
  ASSERT_EQ(r.status, 200) << r.raw_body;
  const auto& retention = r.obj().at("retention").as_object();
  const api::StoreRetention expected;
  EXPECT_EQ(retention.at("visit_max_minutes").as_int64(), expected.visit_max_minutes);
  EXPECT_EQ(retention.at("ended_visit_hours").as_int64(), expected.ended_visit_hours);
  EXPECT_EQ(retention.at("history_days").as_int64(), expected.history_days);
  EXPECT_EQ(retention.at("consent_days").as_int64(), expected.consent_days);
}

TEST_F(SystemApiTest, StoreReportsTheCurrentPolicyVersion) {
  auto v2 = MakeStack("2");
  Reply r = Call(&api::SystemApi::StoreInfo, MakeRequest("GET", "/v1/store"), v2.get());
  EXPECT_EQ(r.obj().at("policy_version").as_string(), "2");
}

}  // namespace
}  // namespace optin::testing::system_api_test
