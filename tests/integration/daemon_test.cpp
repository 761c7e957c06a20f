// The daemon as a store runs it: a real process on a loopback port, driven over HTTP, stopped
// with SIGTERM and restarted on the same data.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "tests/integration/daemon_harness.h"

namespace optin::testing::daemon_test {
namespace {

std::string Str(const boost::json::value& v) { return std::string(v.as_string().c_str()); }

class DaemonProcessTest : public DaemonTest {};

TEST_F(DaemonProcessTest, HealthAndReadinessAnswer) {
  auto health = daemon_->Request("GET", "/healthz");
  EXPECT_EQ(health.status, 200);
  auto ready = daemon_->Request("GET", "/readyz");
  ASSERT_EQ(ready.status, 200) << ready.body;
  auto checks = ready.json().as_object()["checks"].as_object();
  EXPECT_TRUE(checks["database_writable"].as_bool());
  EXPECT_TRUE(checks["hq_token_key_provisioned"].as_bool());
}

TEST_F(DaemonProcessTest, AcknowledgedConsentSurvivesRestart) {
  auto shopper = CheckIn("restart-1", R"({"offers": true})");
  ASSERT_EQ(
      daemon_->Request("PUT", "/v1/me/consents/history", R"({"granted":true})", shopper.visit_token)
          .status,
      200);
  ASSERT_EQ(daemon_->Stop(), 0) << "SIGTERM should stop the daemon cleanly";
  ASSERT_TRUE(daemon_->Start());
  auto me = daemon_->Request("GET", "/v1/me", "", shopper.visit_token);
  ASSERT_EQ(me.status, 200) << me.body;
  std::map<std::string, std::string> states;
  const boost::json::value body = me.json();
  for (const auto& p : body.at("purposes").as_array()) {
    states[Str(p.as_object().at("purpose"))] = Str(p.as_object().at("state"));
  }
  EXPECT_EQ(states["presence"], "granted");
  EXPECT_EQ(states["offers"], "granted");
  EXPECT_EQ(states["history"], "granted");
  EXPECT_EQ(states["assistance"], "not_asked");
  EXPECT_EQ(body.at("receipts").as_array().size(), 2u);
}

TEST_F(DaemonProcessTest, AcknowledgedCheckInSurvivesSigkill) {
  auto shopper = CheckIn("sigkill-1", R"({"offers": true})");
  daemon_->Kill();
  ASSERT_TRUE(daemon_->Start());
  auto me = daemon_->Request("GET", "/v1/me", "", shopper.visit_token);
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(me.json().as_object()["visits"].as_array().size(), 1u);
}

TEST_F(DaemonProcessTest, EndedVisitTokenIsRefused) {
  auto shopper = CheckIn("end-1");
  auto ended = daemon_->Request("POST", "/v1/checkins/current/end", "", shopper.visit_token);
  ASSERT_EQ(ended.status, 200) << ended.body;
  auto again = daemon_->Request("GET", "/v1/me", "", shopper.visit_token);
  EXPECT_EQ(again.status, 401);
  EXPECT_EQ(Str(again.json().as_object()["type"]), "urn:optin-edge:problem:visit-token-invalid");
  // The app token still reaches the shopper's data.
  EXPECT_EQ(daemon_->Request("GET", "/v1/me", "", shopper.token).status, 200);
}

TEST_F(DaemonProcessTest, BadInputGetsProblemJsonAndChangesNothing) {
  auto shopper = CheckIn("bad-input-1");
  struct Case {
    std::string method, target, body, content_type;
    int status;
    std::string type;
  };
  std::vector<Case> cases = {
      {"PUT", "/v1/me/consents/offers", "{not json", "application/json", 400, "malformed-json"},
      {"PUT", "/v1/me/consents/offers", R"({"granted":"yes"})", "application/json", 400,
       "invalid-type"},
      {"PUT", "/v1/me/consents/offers", R"({"granted":true})", "text/plain", 415,
       "unsupported-media-type"},
      {"PUT", "/v1/me/consents/telepathy", R"({"granted":true})", "application/json", 404,
       "unknown-purpose"},
      {"PUT", "/v1/me/consents/offers", R"({"granted":true,"extra":1})", "application/json", 400,
       "unknown-field"},
      {"PUT", "/v1/me/consents/offers",
       "{\"granted\":true,\"pad\":\"" + std::string(20000, 'x') + "\"}", "application/json", 413,
       "payload-too-large"},
  };
  for (const auto& c : cases) {
    auto r = daemon_->Request(c.method, c.target, c.body, shopper.visit_token, c.content_type);
    EXPECT_EQ(r.status, c.status) << c.body.substr(0, 60) << " -> " << r.body;
    EXPECT_NE(r.headers.find("application/problem+json"), std::string::npos) << r.headers;
    EXPECT_EQ(Str(r.json().as_object()["type"]), "urn:optin-edge:problem:" + c.type);
  }
  auto receipts = daemon_->Request("GET", "/v1/me/receipts", "", shopper.visit_token);
  EXPECT_EQ(receipts.json().as_object()["receipts"].as_array().size(), 1u)
      << "a refused request must not record a consent change";
}

TEST_F(DaemonProcessTest, TokenChecksAreEnforced) {
  const std::string code = daemon_->PresenceCode();
  const std::string body = R"({"presence_code":")" + code + R"("})";
  auto wrong_store = daemon_->Request("POST", "/v1/checkins", body,
                                      daemon_->MintToken("t-2", "--aud other-store"));
  EXPECT_EQ(wrong_store.status, 401);
  EXPECT_EQ(Str(wrong_store.json().as_object()["type"]), "urn:optin-edge:problem:token-audience");
  // No token at all is the shopper page's anonymous check-in: a web visit of its own, whose
  // visit token reaches only that visit.
  auto no_token = daemon_->Request("POST", "/v1/checkins", body);
  ASSERT_EQ(no_token.status, 201) << no_token.body;
  const boost::json::value anonymous = no_token.json();
  EXPECT_EQ(Str(anonymous.as_object().at("visit").as_object().at("channel")), "web");
  const std::string visit_token = Str(anonymous.as_object().at("visit_token"));
  EXPECT_EQ(daemon_->Request("GET", "/v1/me", "", visit_token).status, 200);
  EXPECT_EQ(daemon_->Request("GET", "/v1/me", "", "vt_forged").status, 401);
  auto wrong_code = daemon_->Request("POST", "/v1/checkins", R"({"presence_code":"00000000"})",
                                     daemon_->MintToken("t-3"));
  EXPECT_EQ(wrong_code.status, 403);
  EXPECT_EQ(Str(wrong_code.json().as_object()["type"]),
            "urn:optin-edge:problem:presence-code-invalid");
}

TEST_F(DaemonProcessTest, AuditVerifyDetectsTampering) {
  auto shopper = CheckIn("audit-1", R"({"offers": true})");
  ASSERT_EQ(
      daemon_->Request("PUT", "/v1/me/consents/offers", R"({"granted":false})", shopper.visit_token)
          .status,
      200);
  ASSERT_EQ(daemon_->Stop(), 0);
  auto ok = daemon_->CtlResult("audit verify");
  EXPECT_EQ(ok.exit_code, 0) << ok.out;
  EXPECT_NE(ok.out.find("intact"), std::string::npos);

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(daemon_->db_file().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "UPDATE audit_log SET detail = replace(detail, 'withdrawn', 'granted') "
                         "WHERE seq = 3",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_changes(db), 1);
  sqlite3_close(db);
  auto broken = daemon_->CtlResult("audit verify");
  EXPECT_EQ(broken.exit_code, 1) << broken.out;
  EXPECT_NE(broken.out.find("BROKEN at entry 3"), std::string::npos) << broken.out;
}

TEST(DaemonStartTest, BadConfigFileStopsStartWithReadableMessage) {
  TempDir dir;
  std::ofstream(dir / "bad.toml") << "[limits]\nmax_body_bytes = \"lots\"\n";
  auto r = RunCommand(std::string(OPTIN_EDGED_PATH) + " --data-dir " + (dir / "data").string() +
                      " --config " + (dir / "bad.toml").string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("limits.max_body_bytes"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("bad.toml:2"), std::string::npos) << r.out;
}

TEST(DaemonStartTest, UnprovisionedDeviceRefusesTokensClearly) {
  TempDir dir;
  Daemon d(dir / "data");
  ASSERT_TRUE(d.Start());
  auto r = d.Request("POST", "/v1/checkins", R"({"presence_code":"ABCDEFGH"})", "a.b.c");
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("not-provisioned"), std::string::npos) << r.body;
  EXPECT_EQ(d.Stop(), 0);
}

}  // namespace
}  // namespace optin::testing::daemon_test
