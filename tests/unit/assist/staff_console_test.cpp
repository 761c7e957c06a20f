// The staff console's prompt use cases by plain values (a session token, a prompt id) over the
// daemon's domain graph and a real SQLite database: the queue, claims and resolutions of the
// staff member the token names; an unknown token refused before anything else, and an id that
// is not a prompt's not found, with nothing changed.
#include "assist/staff_console.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/unit/assist/assist_world.h"

namespace optin::testing::staff_console_test {
namespace {

class StaffConsoleTest : public ::testing::Test {
 protected:
  StaffConsoleTest() : console_(w_.sessions(), w_.desk()) {}

  Result<std::vector<assist::Prompt>> Queue(std::string_view token) {
    return w_.database().Write([&](store::Connection& c) { return console_.Queue(c, token); });
  }
  Result<assist::ClaimResult> Claim(std::string_view token, std::string_view id) {
    return w_.database().Write([&](store::Connection& c) { return console_.Claim(c, token, id); });
  }
  Result<assist::Prompt> Resolve(std::string_view token, std::string_view id) {
    return w_.database().Write(
        [&](store::Connection& c) { return console_.Resolve(c, token, id); });
  }

  AssistWorld w_;
  assist::StaffConsole console_;
};

TEST_F(StaffConsoleTest, TheQueueIsShownToTheStaffMemberTheTokenNames) {
  auto visit = w_.Shopper("alice");
  const std::string id = w_.AskOk(visit);
  auto sam = w_.Staff("sam");
  auto prompts = Queue(sam.token);
  ASSERT_TRUE(prompts) << prompts.error().message;
  ASSERT_EQ(prompts->size(), 1u);
  EXPECT_EQ((*prompts)[0].request.id, id);
}

TEST_F(StaffConsoleTest, ClaimAndResolveAreDoneAsTheStaffMemberTheTokenNames) {
  const std::string id = w_.AskOk(w_.Shopper("alice"));
  auto sam = w_.Staff("sam");
  auto kim = w_.Staff("kim");
  auto first = Claim(sam.token, id);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_TRUE(first->claimed);
  auto second = Claim(kim.token, id);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_FALSE(second->claimed);
  EXPECT_EQ(second->prompt.request.claimed_by.value_or(""), "sam");
  ASSERT_TRUE(Resolve(sam.token, id));
  EXPECT_EQ(w_.StateOf(id), "resolved");
}

TEST_F(StaffConsoleTest, AnUnknownTokenIsRefusedBeforeThePromptIdIsLookedAt) {
  const std::string id = w_.AskOk(w_.Shopper("alice"));
  w_.Staff("sam");
  for (std::string_view bad_id : {std::string_view(id), std::string_view("not-a-prompt")}) {
    auto claim = Claim("st_nothing", bad_id);
    ASSERT_FALSE(claim);
    EXPECT_EQ(claim.error().code, ErrorCode::kUnauthenticated) << bad_id;
    auto resolve = Resolve("st_nothing", bad_id);
    ASSERT_FALSE(resolve);
    EXPECT_EQ(resolve.error().code, ErrorCode::kUnauthenticated) << bad_id;
  }
  auto queue = Queue("st_nothing");
  ASSERT_FALSE(queue);
  EXPECT_EQ(queue.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(w_.StateOf(id), "waiting");
}

TEST_F(StaffConsoleTest, AnIdThatIsNotAPromptsIsNotFoundAndNothingChanges) {
  const std::string id = w_.AskOk(w_.Shopper("alice"));
  auto sam = w_.Staff("sam");
  for (const std::string& bad_id : {std::string("x_") + id.substr(2), "h_" + std::string(63, 'a'),
                                    std::string("not-a-prompt")}) {
    auto claim = Claim(sam.token, bad_id);
    ASSERT_FALSE(claim);
    EXPECT_EQ(claim.error().code, ErrorCode::kNotFound) << bad_id;
    EXPECT_EQ(claim.error().reason, "prompt-not-found") << bad_id;
    auto resolve = Resolve(sam.token, bad_id);
    ASSERT_FALSE(resolve);
    EXPECT_EQ(resolve.error().reason, "prompt-not-found") << bad_id;
  }
  EXPECT_EQ(w_.StateOf(id), "waiting");
}

}  // namespace
}  // namespace optin::testing::staff_console_test
