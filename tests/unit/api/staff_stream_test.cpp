// The staff console's WebSocket /v1/staff/stream end to end: a real HttpServer on port 0 over
// the assist wiring, a Beast WebSocket client. Authentication (bad token, no auth in time,
// logout), the snapshot (only shoppers who asked, longest waiting first, views recorded), and
// the pushes: a new request, a claim by a colleague, withdrawal of `assistance` (retracted at
// once) and of `name_to_staff` (updated without the name). Every read has a deadline.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <thread>

#include "api/staff_stream.h"
#include "net/event_loop.h"
#include "net/http_server.h"
#include "platform/encoding.h"
#include "platform/log.h"
#include "tests/unit/api/assist_fixture.h"
#include "tests/unit/net/test_websocket_client.h"

namespace optin::testing::staff_stream_test {
namespace {

using boost::json::object;
using net::testing::TestWebSocketClient;

constexpr auto kHangGuard = std::chrono::seconds(10);

class StaffStreamTest : public AssistApiFixture {
 protected:
  static api::StaffStreamOptions StreamOptions() {
    api::StaffStreamOptions options;
    options.auth_timeout = std::chrono::milliseconds(300);
    options.session_check_interval = std::chrono::milliseconds(100);
    return options;
  }

  StaffStreamTest()
      : stream_(api::StaffStreamDeps{*db_, clock_, sessions_, desk_, feed_}, StreamOptions()) {
    platform::log::SetMinLevel(platform::log::Level::kError);
    stream_.Register(router_);
    net::HttpServerOptions options;
    options.address = "127.0.0.1";
    options.port = 0;
    server_ = std::make_unique<net::HttpServer>(loop_, router_, options);
    port_ = Must(server_->Listen(), "listen");
    runner_ = std::thread([this] { loop_.Run(2); });
  }

  ~StaffStreamTest() override {
    // Shut the server down as the daemon does, before the loop stops: every connection then
    // finishes, which drops its console's callbacks. Stopping the loop under a connection that
    // is still closing left the console and its connection holding each other (LeakSanitizer).
    auto closed = std::make_shared<std::promise<void>>();
    server_->Shutdown([closed] { closed->set_value(); });
    EXPECT_EQ(closed->get_future().wait_for(kHangGuard), std::future_status::ready);
    // No database completion may reach a connection once the loop is gone.
    loop_.Stop();
    runner_.join();
    db_->Stop();
    server_.reset();
  }

  // The next frame as JSON; an empty object (and a failure) when none came.
  static object Frame(TestWebSocketClient& client) {
    auto text = client.Read(kHangGuard);
    if (!text) {
      ADD_FAILURE() << "no frame: " << client.error().message();
      return {};
    }
    boost::system::error_code ec;
    auto value = boost::json::parse(*text, ec);
    if (ec || !value.is_object()) {
      ADD_FAILURE() << "not a JSON object: " << *text;
      return {};
    }
    return value.as_object();
  }

  std::unique_ptr<TestWebSocketClient> Connect() {
    auto client = std::make_unique<TestWebSocketClient>();
    auto ec = client->Connect(port_, std::string(api::StaffStream::kPath));
    EXPECT_FALSE(ec) << ec.message();
    return client;
  }

  // Connects, authenticates with `token` and returns the client; `snapshot` gets the first frame.
  std::unique_ptr<TestWebSocketClient> Console(std::string_view token, object* snapshot = nullptr) {
    auto client = Connect();
    EXPECT_FALSE(client->Send(Json(object{{"type", "auth"}, {"token", token}})));
    object first = Frame(*client);
    EXPECT_EQ(Str(first["type"]), "snapshot") << Json(first);
    if (snapshot != nullptr) *snapshot = std::move(first);
    return client;
  }

  // Waits until the writes queued so far (the console's view records among them) are durable.
  void DrainWrites() {
    Status s = db_->WriteSync([](store::Connection&) -> Status { return Ok(); });
    ASSERT_TRUE(s.has_value());
  }

  // Expects an error frame with a 401 problem, then close code 4001.
  static void ExpectUnauthorized(TestWebSocketClient& client, std::string_view reason) {
    object error = Frame(client);
    EXPECT_EQ(Str(error["type"]), "error") << Json(error);
    const auto& problem = error["problem"].as_object();
    EXPECT_EQ(problem.at("status").as_int64(), 401) << Json(error);
    EXPECT_EQ(Str(problem.at("type")), "urn:optin-edge:problem:" + std::string(reason));
    EXPECT_TRUE(problem.contains("title"));
    EXPECT_TRUE(problem.contains("detail"));
    EXPECT_FALSE(client.Read(kHangGuard).has_value());
    EXPECT_EQ(client.error(), boost::beast::websocket::error::closed) << client.error().message();
    EXPECT_EQ(client.close_reason().code, 4001);
    EXPECT_EQ(std::string(client.close_reason().reason.data(), client.close_reason().reason.size()),
              "unauthorized");
  }

  std::string AskedId(std::string_view visit_token, object body = {}) {
    if (body.empty()) body = object{{"topic", "product advice"}, {"expertise", "beginner"}};
    Reply r = Ask(visit_token, std::move(body));
    EXPECT_EQ(r.status, 201) << r.raw_body;
    return r.status == 201 ? Str(r.obj().at("request").as_object().at("id")) : std::string();
  }

  api::StaffStream stream_;
  net::Router router_;
  net::EventLoop loop_;
  std::unique_ptr<net::HttpServer> server_;
  std::thread runner_;
  uint16_t port_ = 0;
};

TEST_F(StaffStreamTest, BadTokenGetsAProblemAndClose4001) {
  auto client = Connect();
  const std::string forged = "st_" + platform::Base64UrlEncode(std::string(32, '\x42'));
  ASSERT_FALSE(client->Send(Json(object{{"type", "auth"}, {"token", forged}})));
  ExpectUnauthorized(*client, "staff-token-invalid");
}

TEST_F(StaffStreamTest, NoAuthInTimeGetsAProblemAndClose4001) {
  auto client = Connect();
  ExpectUnauthorized(*client, "auth-timeout");
}

TEST_F(StaffStreamTest, AuthWithoutATokenGetsAProblemAndClose4001) {
  auto client = Connect();
  ASSERT_FALSE(client->Send(R"({"type":"auth"})"));
  ExpectUnauthorized(*client, "missing-token");
}

TEST_F(StaffStreamTest, PingGetsPongAndOtherMessagesAreIgnored) {
  auto client = Console(StaffToken("sam"));
  ASSERT_FALSE(client->Send(R"({"type":"claim","id":"h_x"})"));
  ASSERT_FALSE(client->Send("not json"));
  ASSERT_FALSE(client->Send(R"({"type":"ping"})"));
  object pong = Frame(*client);
  EXPECT_EQ(Json(pong), R"({"type":"pong"})");
}

TEST_F(StaffStreamTest, SnapshotHoldsOnlyShoppersWhoAskedLongestWaitingFirst) {
  const std::string first = AskedId(Shopper("app-first"));
  clock_.Advance(std::chrono::minutes(2));
  const std::string second = AskedId(Shopper("app-second"));
  (void)Shopper("app-quiet");                              // assistance, never asked
  (void)Shopper("app-private", object{{"offers", true}});  // no assistance at all

  object snapshot;
  auto client = Console(StaffToken("sam", assist::StaffRole::kManager), &snapshot);
  EXPECT_EQ(Json(snapshot["staff"]), R"({"id":"sam","role":"manager"})");
  const auto& prompts = snapshot["prompts"].as_array();
  ASSERT_EQ(prompts.size(), 2u) << Json(snapshot);
  EXPECT_EQ(Str(prompts[0].at("id")), first);
  EXPECT_EQ(Str(prompts[1].at("id")), second);
  EXPECT_EQ(prompts[0].at("waiting_seconds").as_int64(), 120);
  EXPECT_EQ(Str(prompts[0].at("topic")), "product advice");
  EXPECT_FALSE(prompts[0].as_object().contains("first_name"));
  EXPECT_EQ(CountRows("staff_views"), 2) << "the snapshot's prompts count as seen";
}

TEST_F(StaffStreamTest, NewHelpRequestArrivesAsAdded) {
  auto client = Console(StaffToken("sam"));
  const std::string id = AskedId(
      Shopper("app-asker"),
      object{{"topic", "sizing and fit"}, {"expertise", "expert"}, {"note", "trail shoes"}});
  object added = Frame(*client);
  EXPECT_EQ(Str(added["type"]), "added");
  EXPECT_EQ(Str(added["id"]), id);
  EXPECT_EQ(Str(added["prompt"].as_object().at("topic")), "sizing and fit");
  EXPECT_EQ(Str(added["prompt"].as_object().at("note")), "trail shoes");
  EXPECT_EQ(Str(added["prompt"].as_object().at("state")), "waiting");
  DrainWrites();
  EXPECT_EQ(CountRows("staff_views"), 1) << "a pushed prompt counts as seen";
}

TEST_F(StaffStreamTest, ClaimByAnotherStaffMemberArrivesAsClaimed) {
  const std::string id = AskedId(Shopper("app-asker"));
  auto client = Console(StaffToken("sam"));
  ASSERT_EQ(Claim(StaffToken("bea"), id).status, 200);
  object claimed = Frame(*client);
  EXPECT_EQ(Str(claimed["type"]), "claimed") << Json(claimed);
  EXPECT_EQ(Str(claimed["id"]), id);
  const auto& prompt = claimed["prompt"].as_object();
  EXPECT_EQ(Str(prompt.at("state")), "claimed");
  EXPECT_EQ(Json(prompt.at("claimed_by")), R"({"staff_id":"bea","role":"associate"})");
}

TEST_F(StaffStreamTest, WithdrawingAssistanceRetractsThePromptWithinASecond) {
  const std::string visit = Shopper("app-asker");
  const std::string id = AskedId(
      visit, object{{"topic", "checkout"}, {"expertise", "beginner"}, {"note", "gift wrap"}});
  object snapshot;
  auto client = Console(StaffToken("sam"), &snapshot);
  ASSERT_EQ(snapshot["prompts"].as_array().size(), 1u);

  const auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(PutConsent(visit, "assistance", false).status, 200);
  object retracted = Frame(*client);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(Json(retracted), R"({"type":"retracted","id":")" + id + R"(","prompt":null})");
  EXPECT_LT(elapsed, std::chrono::seconds(1)) << "privacy line 7: withdrawal is immediate";
}

TEST_F(StaffStreamTest, WithdrawingNameToStaffArrivesAsUpdatedWithoutTheName) {
  auto client = Console(StaffToken("sam"));
  const std::string visit =
      Shopper("app-named", object{{"assistance", true}, {"name_to_staff", true}});
  const std::string id = AskedId(
      visit,
      object{{"topic", "fitting room"}, {"expertise", "intermediate"}, {"first_name", "Ada"}});
  object added = Frame(*client);
  ASSERT_EQ(Str(added["type"]), "added");
  EXPECT_EQ(Str(added["prompt"].as_object().at("first_name")), "Ada");

  ASSERT_EQ(PutConsent(visit, "name_to_staff", false).status, 200);
  object updated = Frame(*client);
  EXPECT_EQ(Str(updated["type"]), "updated") << Json(updated);
  EXPECT_EQ(Str(updated["id"]), id);
  EXPECT_FALSE(updated["prompt"].as_object().contains("first_name")) << Json(updated);
  EXPECT_EQ(Str(updated["prompt"].as_object().at("topic")), "fitting room");
}

TEST_F(StaffStreamTest, LogoutClosesTheStreamWith4001) {
  const std::string token = StaffToken("sam");
  auto client = Console(token);
  ASSERT_EQ(Logout(token).status, 200);
  ExpectUnauthorized(*client, "staff-token-invalid");
}

TEST_F(StaffStreamTest, EndOfTheShiftClosesTheStreamWith4001) {
  auto client = Console(StaffToken("sam"));
  clock_.Advance(std::chrono::hours(10));
  ExpectUnauthorized(*client, "session-ended");
}

TEST_F(StaffStreamTest, EveryConsoleGetsEveryEventInCommitOrder) {
  auto sam = Console(StaffToken("sam"));
  auto bea = Console(StaffToken("bea"));
  const std::string visit = Shopper("app-asker");
  const std::string id = AskedId(visit);
  ASSERT_EQ(Claim(StaffToken("max"), id).status, 200);
  ASSERT_EQ(CancelRequest(visit, id).status, 200);
  for (auto* client : {sam.get(), bea.get()}) {
    std::vector<std::string> kinds;
    for (int i = 0; i < 3; ++i) kinds.push_back(Str(Frame(*client)["type"]));
    EXPECT_EQ(kinds, (std::vector<std::string>{"added", "claimed", "retracted"}));
  }
}

}  // namespace
}  // namespace optin::testing::staff_stream_test
