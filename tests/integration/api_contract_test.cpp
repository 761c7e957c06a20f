// What the box says about itself is true (issue 19 part 9): each drift an independent validator
// found between the daemon's answers and firmware/api/openapi.json, replayed against the real
// daemon. Every answer here is also recorded by the harness and validated against the document
// by ctest's openapi_answers_check (tests/e2e/openapi_check.mjs).
#include <gtest/gtest.h>

#include <regex>

#include "tests/integration/daemon_harness.h"

namespace optin::testing::api_contract_test {
namespace {

std::string Str(const boost::json::value& v) { return std::string(v.as_string().c_str()); }

// The value of header `name` (case-insensitive) in a raw header block, or "".
std::string Header(const std::string& headers, const std::string& name) {
  std::regex re("\\r\\n" + name + ":[ \\t]*([^\\r]*)", std::regex::icase);
  std::smatch m;
  return std::regex_search(headers, m, re) ? m[1].str() : std::string();
}

// The minutes a detail states ("in 15 minutes", "in 1 minute"), or -1.
int64_t StatedMinutes(const std::string& detail) {
  std::smatch m;
  static const std::regex re("in ([0-9]+) minutes?");
  return std::regex_search(detail, m, re) ? std::stoll(m[1].str()) : -1;
}

class ApiContractTest : public DaemonTest {
 protected:
  // A staff account made with optinctl (the PIN from stdin), logged in; returns its token.
  std::string StaffToken(const std::string& id, const std::string& role, const std::string& pin) {
    CommandResult added =
        RunCommand("echo " + pin + " | " + std::string(OPTINCTL_PATH) + " --data-dir " +
                   daemon_->data_dir().string() + " staff add --id " + id + " --role " + role);
    EXPECT_EQ(added.exit_code, 0) << added.out;
    auto login = daemon_->Request("POST", "/v1/staff/login",
                                  R"({"staff_id":")" + id + R"(","pin":")" + pin + R"("})");
    EXPECT_EQ(login.status, 200) << login.body;
    auto v = login.json();
    return v.is_object() ? Str(v.as_object()["token"]) : std::string();
  }
  // A help request of the visit; returns its id.
  std::string AskForHelp(const std::string& visit_token) {
    auto r = daemon_->Request("POST", "/v1/assist",
                              R"({"topic":"sizing and fit","expertise":"beginner"})", visit_token);
    EXPECT_EQ(r.status, 201) << r.body;
    auto v = r.json();
    return v.is_object() ? Str(v.as_object()["request"].as_object()["id"]) : std::string();
  }
};

// Visit.ended_at is null while the visit goes on (the document said integer), then its time.
TEST_F(ApiContractTest, AVisitInProgressListsItsEndAsNullAndAnEndedOneAsItsTime) {
  auto shopper = CheckIn("contract-visit-1", R"({"offers": true})");
  auto during = daemon_->Request("GET", "/v1/me", "", shopper.token);
  ASSERT_EQ(during.status, 200) << during.body;
  const boost::json::value body = during.json();
  const auto& visits = body.at("visits").as_array();
  ASSERT_EQ(visits.size(), 1u);
  EXPECT_TRUE(visits[0].as_object().at("ended_at").is_null()) << during.body;
  ASSERT_EQ(daemon_->Request("POST", "/v1/checkins/current/end", "", shopper.visit_token).status,
            200);
  auto after = daemon_->Request("GET", "/v1/me", "", shopper.token);
  EXPECT_TRUE(after.json().at("visits").as_array()[0].at("ended_at").is_int64()) << after.body;
}

// Headers over limits.max_header_bytes: 431 headers-too-large, which every operation now lists.
TEST_F(ApiContractTest, HeadersOverTheLimitAnswer431AsEveryOperationDocuments) {
  auto r = daemon_->Request("GET", "/v1/me?pad=" + std::string(9000, 'x'));
  ASSERT_EQ(r.status, 431) << r.body;
  EXPECT_EQ(Str(r.json().at("type")), "urn:optin-edge:problem:headers-too-large");
}

// GET /v1/me's receipts carry their Kantara fields as `payload`, as the Receipt schema and
// GET /v1/me/receipts say (it was `receipt`).
TEST_F(ApiContractTest, MeListsEachReceiptWithItsPayloadAsTheReceiptSchemaSays) {
  auto shopper = CheckIn("contract-receipts-1", R"({"offers": true})");
  auto me = daemon_->Request("GET", "/v1/me", "", shopper.token);
  ASSERT_EQ(me.status, 200) << me.body;
  const boost::json::value body = me.json();
  const auto& receipts = body.at("receipts").as_array();
  ASSERT_EQ(receipts.size(), 1u);
  const auto& receipt = receipts[0].as_object();
  EXPECT_TRUE(receipt.contains("payload") && receipt.at("payload").is_object()) << me.body;
  EXPECT_FALSE(receipt.contains("receipt")) << me.body;
  auto listed = daemon_->Request("GET", "/v1/me/receipts", "", shopper.token);
  ASSERT_EQ(listed.status, 200);
  const boost::json::value listed_body = listed.json();
  const auto& same = listed_body.at("receipts").as_array()[0].as_object();
  EXPECT_EQ(same.at("payload"), receipt.at("payload"));
  EXPECT_EQ(same.at("jws"), receipt.at("jws"));
}

// Cancelling is idempotent (a retry after a lost answer is safe): a cancelled request cancelled
// again answers the same 200; only a resolved one is 409.
TEST_F(ApiContractTest, CancellingACancelledRequestAgainAnswersTheSame200) {
  auto shopper = CheckIn("contract-cancel-1", R"({"assistance": true})");
  const std::string id = AskForHelp(shopper.visit_token);
  for (int i = 0; i < 2; ++i) {
    auto r = daemon_->Request("DELETE", "/v1/assist/" + id, "", shopper.visit_token);
    ASSERT_EQ(r.status, 200) << "cancel #" << i + 1 << ": " << r.body;
    EXPECT_EQ(Str(r.json().at("request").at("state")), "cancelled");
  }
  const std::string resolved = AskForHelp(shopper.visit_token);
  const std::string staff = StaffToken("contract-anna", "associate", "482913");
  ASSERT_EQ(
      daemon_->Request("POST", "/v1/staff/prompts/" + resolved + "/resolve", "", staff).status,
      200);
  auto late = daemon_->Request("DELETE", "/v1/assist/" + resolved, "", shopper.visit_token);
  EXPECT_EQ(late.status, 409) << late.body;
  EXPECT_EQ(Str(late.json().at("type")), "urn:optin-edge:problem:help-request-resolved");
}

// A manager resolves a prompt another staff member claimed (a claim left behind); an associate
// may not, and is told who holds it.
TEST_F(ApiContractTest, AManagerResolvesAPromptSomeoneElseClaimed) {
  auto shopper = CheckIn("contract-resolve-1", R"({"assistance": true})");
  const std::string id = AskForHelp(shopper.visit_token);
  const std::string anna = StaffToken("contract-anna", "associate", "482913");
  const std::string ben = StaffToken("contract-ben", "associate", "591024");
  const std::string marek = StaffToken("contract-marek", "manager", "731905");
  ASSERT_EQ(daemon_->Request("POST", "/v1/staff/prompts/" + id + "/claim", "", anna).status, 200);
  auto refused = daemon_->Request("POST", "/v1/staff/prompts/" + id + "/resolve", "", ben);
  EXPECT_EQ(refused.status, 409) << refused.body;
  EXPECT_EQ(Str(refused.json().at("type")), "urn:optin-edge:problem:claimed-by-other");
  auto resolved = daemon_->Request("POST", "/v1/staff/prompts/" + id + "/resolve", "", marek);
  ASSERT_EQ(resolved.status, 200) << resolved.body;
  EXPECT_EQ(Str(resolved.json().at("prompt").at("state")), "resolved");
}

// The hourly per-visit limit: Retry-After is the time the detail states (it was always 5 s
// while the detail said to wait), and it is about an hour after the limit filled.
TEST_F(ApiContractTest, TheHourlyHelpLimitRetryAfterIsTheTimeItsDetailStates) {
  auto shopper = CheckIn("contract-hourly-1", R"({"assistance": true})");
  // assist.max_per_visit_per_hour = 10 by default; one open at a time, so ask and cancel.
  for (int i = 0; i < 10; ++i) {
    const std::string id = AskForHelp(shopper.visit_token);
    ASSERT_EQ(daemon_->Request("DELETE", "/v1/assist/" + id, "", shopper.visit_token).status, 200);
  }
  auto limited =
      daemon_->Request("POST", "/v1/assist", R"({"topic":"sizing and fit","expertise":"beginner"})",
                       shopper.visit_token);
  ASSERT_EQ(limited.status, 429) << limited.body;
  const std::string detail = Str(limited.json().at("detail"));
  const int64_t retry = std::stoll("0" + Header(limited.headers, "Retry-After"));
  EXPECT_GT(retry, 3500) << limited.headers;
  EXPECT_LE(retry, 3600) << limited.headers;
  EXPECT_EQ(StatedMinutes(detail), (retry + 59) / 60) << detail << " / Retry-After " << retry;
}

// The per-client login limit (20 failures in 15 minutes): Retry-After is the rest of the window,
// the time its detail states.
TEST_F(ApiContractTest, TheLoginLimitRetryAfterIsTheTimeItsDetailStates) {
  HttpResult r;
  for (int i = 0; i < 30 && r.status != 429; ++i) {
    r = daemon_->Request("POST", "/v1/staff/login", R"({"staff_id":"nobody","pin":"000000"})");
    ASSERT_TRUE(r.status == 401 || r.status == 429) << r.status << " " << r.body;
  }
  ASSERT_EQ(r.status, 429) << r.body;
  const std::string detail = Str(r.json().at("detail"));
  const int64_t retry = std::stoll("0" + Header(r.headers, "Retry-After"));
  EXPECT_GT(retry, 800) << r.headers;
  EXPECT_LE(retry, 900) << r.headers;
  EXPECT_EQ(StatedMinutes(detail), (retry + 59) / 60) << detail << " / Retry-After " << retry;
}

}  // namespace
}  // namespace optin::testing::api_contract_test
