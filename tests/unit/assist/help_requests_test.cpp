// The help request use cases with plain values (who, the request, its id) over the daemon's
// domain graph and a real SQLite database: asking during a visit, the open request named when
// asking again, no visit refused, and reading and cancelling one's own request only.
#include "assist/help_requests.h"

#include <gtest/gtest.h>

#include <future>
#include <string>

#include "tests/unit/assist/assist_world.h"

namespace optin::assist::help_requests_test {
namespace {

class HelpRequestsTest : public ::testing::Test {
 protected:
  HelpRequestsTest() : help_(world_.database().db(), world_.visits(), world_.desk()) {}

  template <class T, class Call>
  Result<T> Wait(Call call) {
    std::promise<Result<T>> p;
    auto f = p.get_future();
    call([&p](Result<T> r) { p.set_value(std::move(r)); });
    EXPECT_EQ(f.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    return f.get();
  }
  Result<AskOutcome> Ask(std::string_view sub) {
    visits::ShopperRef who{.subject_id = world_.Subject(sub), .visit_token = std::nullopt};
    return Wait<AskOutcome>([&](auto done) {
      help_.Ask(who, NewHelpRequest{"product advice", "beginner", std::nullopt, std::nullopt},
                done);
    });
  }
  visits::ShopperRef Who(std::string_view sub) {
    return visits::ShopperRef{.subject_id = world_.Subject(sub), .visit_token = std::nullopt};
  }

  optin::testing::AssistWorld world_;
  HelpRequests help_;
};

TEST_F(HelpRequestsTest, AskingDuringAVisitCreatesTheRequestAndAgainNamesTheOpenOne) {
  world_.Shopper("s1");
  auto first = Ask("s1");
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_TRUE(first->created);
  auto again = Ask("s1");
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_FALSE(again->created);
  ASSERT_TRUE(again->open_conflict);
  EXPECT_EQ(again->open_conflict->reason, "help-request-open");
  EXPECT_EQ(again->open_id, first->created->request.id);
}

TEST_F(HelpRequestsTest, AskingWithoutAVisitIsRefusedAndWritesNothing) {
  auto r = Ask("nobody");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, "no-active-visit");
  EXPECT_EQ(world_.database().Count("help_requests"), 0);
}

TEST_F(HelpRequestsTest, OnlyTheShopperWhoAskedReadsAndCancelsTheRequest) {
  world_.Shopper("s2");
  world_.Shopper("other");
  auto asked = Ask("s2");
  ASSERT_TRUE(asked && asked->created);
  const std::string id = asked->created->request.id;

  auto mine = Wait<ShopperView>([&](auto done) { help_.Get(Who("s2"), id, done); });
  ASSERT_TRUE(mine) << mine.error().message;
  EXPECT_EQ(mine->request.id, id);
  auto theirs = Wait<ShopperView>([&](auto done) { help_.Get(Who("other"), id, done); });
  ASSERT_FALSE(theirs);
  EXPECT_EQ(theirs.error().reason, "help-request-not-found");

  EXPECT_FALSE(Wait<ShopperView>([&](auto done) { help_.Cancel(Who("other"), id, done); }));
  auto cancelled = Wait<ShopperView>([&](auto done) { help_.Cancel(Who("s2"), id, done); });
  ASSERT_TRUE(cancelled) << cancelled.error().message;
  EXPECT_EQ(cancelled->request.id, id);
}

}  // namespace
}  // namespace optin::assist::help_requests_test
