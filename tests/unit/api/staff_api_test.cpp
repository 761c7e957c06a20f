// The staff console's routes through StaffApi's handlers: login, sessions and their refusals
// (401 alike for a wrong PIN, an unknown id and a locked account, and for expired, forged or
// logged-out credentials; 429 for a flooding client), the queue (only shoppers who asked, longest waiting first, a name only
// under name_to_staff), the first claim winning with 409 naming who, and resolve.
#include <gtest/gtest.h>

#include <set>

#include "platform/encoding.h"
#include "tests/unit/api/assist_fixture.h"

namespace optin::testing::staff_api_test {
namespace {

using boost::json::object;

class StaffApiTest : public AssistApiFixture {
 protected:
  std::string AskedId(std::string_view token, std::string note = "") {
    Reply r = AskFor(token, std::move(note));
    EXPECT_EQ(r.status, 201) << r.raw_body;
    return Str(r.obj().at("request").as_object().at("id"));
  }
};

TEST_F(StaffApiTest, LoginAnswersWithATokenTheRoleAndTheEndOfTheShift) {
  AddStaff("max", assist::StaffRole::kManager);
  Reply r = LoginCall("max", "482913");
  ASSERT_EQ(r.status, 200) << r.raw_body;
  EXPECT_TRUE(Str(r.obj().at("token")).starts_with("st_"));
  EXPECT_EQ(Str(r.obj().at("role")), "manager");
  EXPECT_EQ(r.obj().at("expires_at").as_int64(), clock_.NowUnix() + 10 * 3600);
  EXPECT_EQ(r.Header("Cache-Control"), "no-store");
}

TEST_F(StaffApiTest, WrongPinAndUnknownIdGetTheSameProblem) {
  AddStaff("sam");
  Reply wrong = LoginCall("sam", "111111");
  Reply unknown = LoginCall("nobody", "111111");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.problem_reason(), "staff-login-failed");
  EXPECT_EQ(unknown.raw_body, wrong.raw_body);
}

TEST_F(StaffApiTest, RepeatedWrongPinsLockTheAccount) {
  AddStaff("sam");
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(LoginCall("sam", "111111", "10.0.0." + std::to_string(i)).status, 401);
  }
  Reply locked = LoginCall("sam", "482913", "10.0.1.1");
  EXPECT_EQ(locked.status, 401) << "even the right PIN is refused while locked";
  clock_.Advance(std::chrono::minutes(15));
  EXPECT_EQ(LoginCall("sam", "482913", "10.0.1.2").status, 200) << "until the lockout ends";
}

TEST_F(StaffApiTest, LockedAccountWrongPinAndUnknownIdGetTheSameAnswer) {
  AddStaff("sam");
  AddStaff("ann");
  for (int i = 0; i < 5; ++i) (void)LoginCall("sam", "111111", "10.0.0." + std::to_string(i));
  Reply locked = LoginCall("sam", "482913", "10.0.1.1");
  Reply wrong = LoginCall("ann", "111111", "10.0.1.2");
  Reply unknown = LoginCall("nobody", "482913", "10.0.1.3");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.problem_reason(), "staff-login-failed");
  for (const Reply* r : {&locked, &unknown}) {
    EXPECT_EQ(r->status, wrong.status);
    EXPECT_EQ(r->raw_body, wrong.raw_body);
    EXPECT_EQ(r->Header("WWW-Authenticate"), wrong.Header("WWW-Authenticate"));
  }
  EXPECT_NE(wrong.raw_body.find("After 5 wrong PINs in a row an account is locked for 15 minutes"),
            std::string::npos)
      << wrong.raw_body;
}

TEST_F(StaffApiTest, APinSentAsANumberIsNamedAsTheWrongType) {
  AddStaff("sam");
  net::Request r = MakeRequest("POST", "/v1/staff/login",
                               Json(boost::json::object{{"staff_id", "sam"}, {"pin", 482913}}));
  r.remote_address = "192.168.1.20";
  Reply reply = CallOn(staff_api_, &api::StaffApi::Login, std::move(r));
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.problem_reason(), "invalid-type");
  EXPECT_EQ(reply.problem_field(), "/pin");
  EXPECT_NE(Str(reply.obj().at("detail")).find("'pin' must be a string (in quotes), not a number"),
            std::string::npos)
      << reply.raw_body;

  net::Request missing =
      MakeRequest("POST", "/v1/staff/login", Json(boost::json::object{{"staff_id", "sam"}}));
  Reply absent = CallOn(staff_api_, &api::StaffApi::Login, std::move(missing));
  EXPECT_EQ(absent.problem_reason(), "missing-field");
  EXPECT_EQ(absent.problem_field(), "/pin");
}

TEST_F(StaffApiTest, AClientThatKeepsFailingGets429) {
  AddStaff("sam");
  for (int i = 0; i < 8; ++i) (void)LoginCall("user" + std::to_string(i), "1111", "10.6.6.6");
  Reply r = LoginCall("sam", "482913", "10.6.6.6");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.problem_reason(), "rate-limited");
  EXPECT_EQ(LoginCall("sam", "482913", "10.0.0.9").status, 200);
}

TEST_F(StaffApiTest, ExpiredForgedAndLoggedOutTokensGet401) {
  const std::string token = StaffToken("sam");
  ASSERT_EQ(Prompts(token).status, 200);
  const std::string forged = "st_" + platform::Base64UrlEncode(std::string(32, '\x42'));
  EXPECT_EQ(Prompts(forged).status, 401);
  EXPECT_EQ(Prompts("").status, 401);
  EXPECT_EQ(Prompts(Shopper("app-user-x")).status, 401) << "a visit token is not a staff token";

  ASSERT_EQ(Logout(token).status, 200);
  Reply after = Prompts(token);
  EXPECT_EQ(after.status, 401);
  EXPECT_EQ(after.problem_reason(), "staff-token-invalid");

  const std::string second = StaffToken("ann");
  clock_.Advance(std::chrono::hours(10));
  EXPECT_EQ(Prompts(second).status, 401) << "the session ends with the shift";
}

TEST_F(StaffApiTest, QueueHoldsOnlyShoppersWhoAskedLongestWaitingFirst) {
  const std::string staff = StaffToken("sam");
  const std::string first = Shopper("app-user-1");
  const std::string second = Shopper("app-user-2");
  (void)Shopper("app-user-silent", {{"assistance", true}, {"name_to_staff", true}});
  const std::string a = AskedId(first);
  clock_.Advance(std::chrono::seconds(30));
  const std::string b = AskedId(second);
  clock_.Advance(std::chrono::seconds(30));

  Reply r = Prompts(staff);
  ASSERT_EQ(r.status, 200) << r.raw_body;
  const auto& prompts = r.obj().at("prompts").as_array();
  ASSERT_EQ(prompts.size(), 2u);
  EXPECT_EQ(Str(prompts[0].as_object().at("id")), a);
  EXPECT_EQ(prompts[0].as_object().at("waiting_seconds").as_int64(), 60);
  EXPECT_EQ(Str(prompts[1].as_object().at("id")), b);
  const std::set<std::string> allowed = {
      "id",    "pseudonym",  "topic",           "expertise",  "note",       "first_name",
      "state", "created_at", "waiting_seconds", "claimed_by", "claimed_at", "resolved_at"};
  for (const auto& [key, value] : prompts[0].as_object()) {
    EXPECT_TRUE(allowed.contains(std::string(key))) << "staff must not see '" << key << "'";
  }
}

TEST_F(StaffApiTest, NameShownOnlyUnderNameToStaffAndWithdrawalHidesItAtOnce) {
  const std::string staff = StaffToken("sam");
  const std::string token = Shopper("app-user-n", {{"assistance", true}, {"name_to_staff", true}});
  ASSERT_EQ(
      Ask(token, object{{"topic", "checkout"}, {"expertise", "expert"}, {"first_name", "Noor"}})
          .status,
      201);
  auto first = Prompts(staff).obj().at("prompts").as_array();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(Str(first[0].as_object().at("first_name")), "Noor");

  ClearEvents();
  ASSERT_EQ(PutConsent(token, "name_to_staff", false).status, 200);
  ASSERT_EQ(Events().size(), 1u) << "the console hears of it before the shopper's answer";
  EXPECT_EQ(Events()[0].kind, assist::PromptEventKind::kUpdated);
  EXPECT_FALSE(Events()[0].view->contains("first_name"));
  auto after = Prompts(staff).obj().at("prompts").as_array();
  ASSERT_EQ(after.size(), 1u);
  EXPECT_FALSE(after[0].as_object().contains("first_name"));
}

TEST_F(StaffApiTest, WithdrawingAssistanceDropsThePromptBeforeTheShopperHearsBack) {
  const std::string staff = StaffToken("sam");
  const std::string token = Shopper("app-user-w");
  const std::string id = AskedId(token);
  ClearEvents();
  ASSERT_EQ(PutConsent(token, "assistance", false).status, 200);
  ASSERT_EQ(Events().size(), 1u);
  EXPECT_EQ(Events()[0].kind, assist::PromptEventKind::kRetracted);
  EXPECT_EQ(Events()[0].prompt_id, id);
  EXPECT_TRUE(Prompts(staff).obj().at("prompts").as_array().empty());
  Reply claim = Claim(staff, id);
  EXPECT_EQ(claim.status, 409);
  EXPECT_EQ(claim.problem_reason(), "prompt-closed");
}

TEST_F(StaffApiTest, FirstClaimWinsAndTheOthersGet409NamingWhoClaimed) {
  const std::string sam = StaffToken("sam");
  const std::string max = StaffToken("max", assist::StaffRole::kManager);
  const std::string id = AskedId(Shopper("app-user-c"));
  Reply won = Claim(sam, id);
  ASSERT_EQ(won.status, 200) << won.raw_body;
  EXPECT_EQ(Str(won.obj().at("prompt").as_object().at("state")), "claimed");
  Reply lost = Claim(max, id);
  EXPECT_EQ(lost.status, 409);
  EXPECT_EQ(lost.problem_reason(), "already-claimed");
  EXPECT_EQ(Str(lost.obj().at("claimed_by").as_object().at("staff_id")), "sam");
  EXPECT_EQ(Str(lost.obj().at("claimed_by").as_object().at("role")), "associate");
  EXPECT_NE(Str(lost.obj().at("detail")).find("sam"), std::string::npos);
}

TEST_F(StaffApiTest, ClaimOnAResolvedPromptIsRefused) {
  const std::string sam = StaffToken("sam");
  const std::string id = AskedId(Shopper("app-user-r"));
  ASSERT_EQ(Claim(sam, id).status, 200);
  Reply resolved = Resolve(sam, id);
  ASSERT_EQ(resolved.status, 200) << resolved.raw_body;
  EXPECT_EQ(Str(resolved.obj().at("prompt").as_object().at("state")), "resolved");
  Reply again = Claim(sam, id);
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.problem_reason(), "prompt-resolved");
  EXPECT_EQ(Claim(sam, "h_unknown").status, 404);
  EXPECT_EQ(Claim(sam, "../etc").status, 404);
}

}  // namespace
}  // namespace optin::testing::staff_api_test
