// The shopper's help-request routes through AssistApi's handlers with the daemon's wiring and no
// sockets: asking (needs `assistance`), its state, cancelling, the per-visit flood limit, bad
// input refused with a field pointer and nothing written, erasure, and no personal data in logs.
#include <gtest/gtest.h>

#include <mutex>

#include "platform/log.h"
#include "tests/unit/api/assist_fixture.h"

namespace optin::testing::assist_api_test {
namespace {

using boost::json::object;

class AssistApiTest : public AssistApiFixture {};

TEST_F(AssistApiTest, AskingForHelpAnswersWithTheRequestAndItsPlaceInTheQueue) {
  const std::string token = Shopper("app-user-1");
  Reply r = AskFor(token, "trail shoes, wide fit");
  ASSERT_EQ(r.status, 201) << r.raw_body;
  const auto& req = r.obj().at("request").as_object();
  const std::string id = Str(req.at("id"));
  EXPECT_TRUE(id.starts_with("h_"));
  EXPECT_EQ(Str(req.at("state")), "waiting");
  EXPECT_EQ(Str(req.at("note")), "trail shoes, wide fit");
  EXPECT_EQ(req.at("queue_position").as_int64(), 1);
  EXPECT_TRUE(req.contains("estimated_wait_minutes"));
  EXPECT_EQ(r.Header("Location"), "/v1/assist/" + id);
  ASSERT_EQ(Events().size(), 1u);
  EXPECT_EQ(Events()[0].kind, assist::PromptEventKind::kAdded);

  Reply got = GetRequest(token, id);
  ASSERT_EQ(got.status, 200) << got.raw_body;
  EXPECT_EQ(Str(got.obj().at("request").as_object().at("state")), "waiting");
}

TEST_F(AssistApiTest, WithoutAssistanceTheRequestIsRefusedWithAClearProblem) {
  const std::string token = Shopper("app-user-2", {{"offers", true}});
  Reply r = AskFor(token);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.content_type, "application/problem+json");
  EXPECT_EQ(r.problem_reason(), "consent-required");
  EXPECT_NE(Str(r.obj().at("detail")).find("assistance"), std::string::npos);
  EXPECT_EQ(CountRows("help_requests"), 0);
}

TEST_F(AssistApiTest, WithoutAVisitTheRequestIsRefused) {
  Reply r = AskFor(MintAppToken("app-user-never-checked-in"));
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.problem_reason(), "no-active-visit");
}

TEST_F(AssistApiTest, BadInputIsRefusedWithTheFieldAndNothingIsWritten) {
  const std::string token = Shopper("app-user-3");
  struct Case {
    object body;
    int status;
    std::string reason;
    std::string field;
  };
  const std::vector<Case> cases = {
      {{{"topic", "stock tips"}, {"expertise", "beginner"}}, 400, "unknown-topic", "/topic"},
      {{{"expertise", "beginner"}}, 400, "missing-field", "/topic"},
      {{{"topic", "checkout"}, {"expertise", "wizard"}}, 400, "unknown-expertise", "/expertise"},
      {{{"topic", "checkout"}, {"expertise", "expert"}, {"note", std::string(281, 'n')}},
       400,
       "too-long",
       "/note"},
      {{{"topic", "checkout"}, {"expertise", "expert"}, {"note", "one\r\ntwo"}},
       400,
       "control-characters",
       "/note"},
      {{{"topic", "checkout"}, {"expertise", "expert"}, {"first_name", "<script>"}},
       400,
       "invalid-name",
       "/first_name"},
      {{{"topic", "checkout"}, {"expertise", "expert"}, {"loyalty_id", "123"}},
       400,
       "unknown-field",
       "/loyalty_id"},
      {{{"topic", "checkout"}, {"expertise", "expert"}, {"age", 42}},
       422,
       "forbidden-field",
       "/age"},
      {{{"topic", "checkout"}, {"expertise", 3}}, 400, "invalid-type", "/expertise"},
  };
  for (const Case& c : cases) {
    Reply r = Ask(token, c.body);
    EXPECT_EQ(r.status, c.status) << Json(c.body) << " -> " << r.raw_body;
    EXPECT_EQ(r.problem_reason(), c.reason) << Json(c.body);
    EXPECT_EQ(r.problem_field(), c.field) << Json(c.body);
  }
  EXPECT_EQ(CountRows("help_requests"), 0);
  EXPECT_TRUE(Events().empty());
}

TEST_F(AssistApiTest, ASecondOpenRequestIs409NamingTheOpenOne) {
  const std::string token = Shopper("app-user-4");
  Reply first = AskFor(token);
  ASSERT_EQ(first.status, 201);
  const std::string open_id = Str(first.obj().at("request").as_object().at("id"));
  Reply second = AskFor(token);
  EXPECT_EQ(second.status, 409) << second.raw_body;
  EXPECT_EQ(second.problem_reason(), "help-request-open");
  EXPECT_EQ(Str(second.obj().at("open_request_id")), open_id);
  EXPECT_EQ(second.Header("Location"), "/v1/assist/" + open_id);
  EXPECT_TRUE(second.Header("Retry-After").empty()) << "waiting does not help; cancelling does";
  EXPECT_EQ(CountRows("help_requests"), 1);
  ASSERT_EQ(CancelRequest(token, open_id).status, 200);
  EXPECT_EQ(AskFor(token).status, 201) << "once cancelled, asking again works";
}

TEST_F(AssistApiTest, AFloodFromOneVisitGets429) {
  const std::string token = Shopper("app-user-4b");
  for (int i = 0; i < 10; ++i) {
    Reply asked = AskFor(token);
    ASSERT_EQ(asked.status, 201) << asked.raw_body;
    ASSERT_EQ(CancelRequest(token, Str(asked.obj().at("request").as_object().at("id"))).status,
              200);
  }
  Reply flood = AskFor(token);
  EXPECT_EQ(flood.status, 429);
  EXPECT_EQ(flood.problem_reason(), "rate-limited");
  EXPECT_FALSE(flood.Header("Retry-After").empty());
}

TEST_F(AssistApiTest, AStaffTokenOnShopperRoutesIs401ThisIsAStaffSession) {
  const std::string staff = StaffToken("sam");
  Reply r = AskFor(staff);
  EXPECT_EQ(r.status, 401) << r.raw_body;
  EXPECT_EQ(r.problem_reason(), "staff-session");
  EXPECT_NE(Str(r.obj().at("detail")).find("This is a staff session"), std::string::npos);
}

TEST_F(AssistApiTest, CancellingRetractsThePromptFromTheConsoles) {
  const std::string token = Shopper("app-user-5");
  const std::string staff = StaffToken("sam");
  const std::string id = Str(AskFor(token).obj().at("request").as_object().at("id"));
  ClearEvents();
  Reply r = CancelRequest(token, id);
  ASSERT_EQ(r.status, 200) << r.raw_body;
  EXPECT_EQ(Str(r.obj().at("request").as_object().at("state")), "cancelled");
  ASSERT_EQ(Events().size(), 1u);
  EXPECT_EQ(Events()[0].kind, assist::PromptEventKind::kRetracted);
  EXPECT_TRUE(Prompts(staff).obj().at("prompts").as_array().empty());
  EXPECT_EQ(CancelRequest(token, id).status, 200) << "cancelling twice is harmless";
}

TEST_F(AssistApiTest, AnotherShoppersRequestIsNotFound) {
  const std::string alice = Shopper("app-user-6");
  const std::string bob = Shopper("app-user-7");
  const std::string id = Str(AskFor(alice).obj().at("request").as_object().at("id"));
  EXPECT_EQ(GetRequest(bob, id).status, 404);
  EXPECT_EQ(CancelRequest(bob, id).status, 404);
  EXPECT_EQ(GetRequest(bob, "not-an-id").status, 404);
  EXPECT_EQ(Str(GetRequest(alice, id).obj().at("request").as_object().at("state")), "waiting");
}

TEST_F(AssistApiTest, ErasureDeletesHelpRequestsAndRetractsThePrompt) {
  const std::string token = Shopper("app-user-8");
  const std::string id = Str(AskFor(token, "a note").obj().at("request").as_object().at("id"));
  ClearEvents();
  Reply r = Call(&api::ShopperApi::DeleteMe, MakeRequest("DELETE", "/v1/me", {}, token));
  ASSERT_EQ(r.status, 200) << r.raw_body;
  EXPECT_EQ(r.obj().at("deleted").as_object().at("help_requests").as_int64(), 1);
  EXPECT_EQ(CountRows("help_requests"), 0);
  ASSERT_EQ(Events().size(), 1u);
  EXPECT_EQ(Events()[0].kind, assist::PromptEventKind::kRetracted);
  EXPECT_EQ(Events()[0].prompt_id, id);
}

TEST_F(AssistApiTest, TheShoppersAccessExportListsTheirHelpRequests) {
  const std::string token = Shopper("app-user-9", {{"assistance", true}, {"name_to_staff", true}});
  ASSERT_EQ(Ask(token, object{{"topic", "checkout"},
                              {"expertise", "expert"},
                              {"note", "gift wrap"},
                              {"first_name", "Noor"}})
                .status,
            201);
  Reply me = GetMe(token);
  ASSERT_EQ(me.status, 200) << me.raw_body;
  const auto& list = me.obj().at("help_requests").as_array();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(Str(list[0].as_object().at("note")), "gift wrap");
  EXPECT_EQ(Str(list[0].as_object().at("first_name")), "Noor");
}

TEST_F(AssistApiTest, NothingPersonalInLogs) {
  std::mutex mu;
  std::string logs;
  platform::log::SetSink([&](std::string_view line) {
    std::lock_guard lock(mu);
    logs += std::string(line) + "\n";
  });
  const std::string app_token = MintAppToken("app-user-loyal-777");
  Reply checkin = CheckIn(app_token, {{"assistance", true}, {"name_to_staff", true}});
  const std::string token = Str(checkin.obj().at("visit_token"));
  const std::string pseudonym = Str(checkin.obj().at("visit").as_object().at("pseudonym"));
  const std::string staff = StaffToken("staffer-kim");
  Reply asked = Ask(token, object{{"topic", "fitting room"},
                                  {"expertise", "intermediate"},
                                  {"note", "hiking boots unobtainium"},
                                  {"first_name", "Quintessa"}});
  const std::string id = Str(asked.obj().at("request").as_object().at("id"));
  Prompts(staff);
  Claim(staff, id);
  (void)LoginCall("staffer-kim", "000000", "203.0.113.99");  // a failure is logged too
  Resolve(staff, id);
  PutConsent(token, "name_to_staff", false);
  Call(&api::ShopperApi::DeleteMe, MakeRequest("DELETE", "/v1/me", {}, token));
  platform::log::SetSink(nullptr);

  ASSERT_FALSE(logs.empty());
  for (const std::string& secret : {std::string("unobtainium"), std::string("Quintessa"), pseudonym,
                                    token, app_token, staff, std::string("app-user-loyal-777"),
                                    std::string("203.0.113.99"), std::string("staffer-kim"), id}) {
    EXPECT_EQ(logs.find(secret), std::string::npos) << "'" << secret << "' in logs:\n" << logs;
  }
}

}  // namespace
}  // namespace optin::testing::assist_api_test
