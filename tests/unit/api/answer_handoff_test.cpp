// The database writer only commits: a handler's completion hands the committed result back to
// the connection (net::CurrentHandoff(), which the HTTP session sets to a post onto the
// connection's strand), and the answer is rendered, logged and sent there. Here a handoff that
// keeps the work for the test's own thread stands for the strand: the tests fail if rendering
// ever moves back onto the writer (or a reader).
#include <gtest/gtest.h>

#include <boost/json/object.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "net/http_message.h"
#include "tests/unit/api/api_fixture.h"

namespace optin::testing::answer_handoff_test {
namespace {

class AnswerHandoffTest : public ApiFixture {
 protected:
  struct Outcome {
    std::thread::id handed_from;   // the thread that handed the work back
    bool answered_before = false;  // an answer was sent before the handed work ran
    std::thread::id answered_on;   // the thread the answer was sent on
    Reply reply;
  };

  // Calls `handler` as the session does (under a handoff), waits for the work it hands back,
  // then runs that work on this thread.
  template <class Handler>
  Outcome CallThroughHandoff(Handler handler, net::Request request) {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<std::function<void()>> handed;
    std::optional<net::Response> answer;
    Outcome out;
    {
      net::ScopedHandoff strand([&](std::function<void()> work) {
        std::lock_guard lock(mu);
        handed.push_back(std::move(work));
        out.handed_from = std::this_thread::get_id();
        cv.notify_all();
      });
      handler(std::move(request), net::Responder([&](net::Response r) {
                std::lock_guard lock(mu);
                answer = std::move(r);
                out.answered_on = std::this_thread::get_id();
                cv.notify_all();
              }));
    }
    std::unique_lock lock(mu);
    EXPECT_TRUE(cv.wait_for(lock, std::chrono::seconds(30), [&] { return !handed.empty(); }))
        << "nothing was handed back";
    if (handed.empty()) return out;
    out.answered_before = answer.has_value();
    auto work = std::move(handed.front());
    lock.unlock();
    work();
    lock.lock();
    EXPECT_TRUE(answer.has_value()) << "the handed-back work did not answer";
    if (answer) out.reply = ToReply(std::move(*answer));
    return out;
  }

  Outcome CheckInThroughHandoff(const std::string& token) {
    return CallThroughHandoff(
        [this](net::Request&& r, net::Responder s) {
          stack_->shopper->CheckIn(std::move(r), std::move(s));
        },
        MakeRequest("POST", "/v1/checkins",
                    Json(boost::json::object{{"presence_code", stack_->presence->Current()}}),
                    token));
  }
};

TEST_F(AnswerHandoffTest, ACheckInIsCommittedOnTheWriterAndRenderedOnTheConnection) {
  Outcome o = CheckInThroughHandoff(MintAppToken("app-user-1"));
  EXPECT_NE(o.handed_from, std::this_thread::get_id());  // the writer handed it back
  EXPECT_FALSE(o.answered_before) << "the answer was rendered on the database writer";
  EXPECT_EQ(o.answered_on, std::this_thread::get_id());
  EXPECT_EQ(o.reply.status, 201) << o.reply.raw_body;
  EXPECT_TRUE(o.reply.obj().contains("visit_token"));
  EXPECT_EQ(CountRows("visits"), 1);
}

TEST_F(AnswerHandoffTest, AWriteRefusedByTheDatabaseIsAnsweredOnTheConnectionToo) {
  const std::string token = MintAppToken("app-user-2");
  ASSERT_EQ(CheckInThroughHandoff(token).reply.status, 201);
  Outcome replay = CheckInThroughHandoff(token);  // refused inside the write: token-replayed
  EXPECT_NE(replay.handed_from, std::this_thread::get_id());
  EXPECT_FALSE(replay.answered_before);
  EXPECT_EQ(replay.answered_on, std::this_thread::get_id());
  EXPECT_EQ(replay.reply.status, 409) << replay.reply.raw_body;
  EXPECT_EQ(replay.reply.problem_reason(), "token-replayed");
}

TEST_F(AnswerHandoffTest, AReadIsRenderedOnTheConnectionNotOnTheReader) {
  const std::string token = MintAppToken("app-user-3");
  ASSERT_EQ(CheckInThroughHandoff(token).reply.status, 201);
  Outcome o = CallThroughHandoff(
      [this](net::Request&& r, net::Responder s) {
        stack_->shopper->GetMe(std::move(r), std::move(s));
      },
      MakeRequest("GET", "/v1/me", {}, token));
  EXPECT_NE(o.handed_from, std::this_thread::get_id());
  EXPECT_FALSE(o.answered_before) << "the answer was rendered on the database reader";
  EXPECT_EQ(o.answered_on, std::this_thread::get_id());
  EXPECT_EQ(o.reply.status, 200) << o.reply.raw_body;
}

}  // namespace
}  // namespace optin::testing::answer_handoff_test
