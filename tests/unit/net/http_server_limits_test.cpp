// The HttpServer's rate limit and limits changed while it runs (HttpServer::UpdateLimits).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "net/http_server.h"
#include "platform/log.h"
#include "tests/unit/net/server_fixture.h"
#include "tests/unit/net/test_http_client.h"

namespace optin::net::http_server_limits_test {
namespace {

using testing::TestHttpClient;

class HttpServerLimitsTest : public testing::ServerFixture {
 protected:
  HttpServerLimitsTest() {
    platform::log::SetMinLevel(platform::log::Level::kWarn);
    router_.Add("GET", "/hello", [](Request&&, Responder responder) {
      responder(Response::Json(200, R"({"hello":"world"})"));
    });
    router_.Add("POST", "/echo", [](Request&& request, Responder responder) {
      responder(Response::Json(200, std::move(request.body)));
    });
  }

  // A rate limit that applies to the test's own loopback client.
  static RateLimit LoopbackLimit(int64_t per_second, int64_t burst) {
    RateLimit limit;
    limit.per_second = per_second;
    limit.burst = burst;
    limit.exempt.clear();
    return limit;
  }
};

TEST_F(HttpServerLimitsTest, RequestsBeyondTheBurstGet429WithRetryAfterOnTheSameConnection) {
  HttpServerOptions options;
  options.rate_limit = LoopbackLimit(1, 3);
  StartServer(options);
  TestHttpClient client;
  ASSERT_TRUE(client.Connect(port_));
  for (int i = 0; i < 3; ++i) {
    auto ok = client.Request("GET", "/hello");
    ASSERT_TRUE(ok.has_value());
    EXPECT_EQ(ok->result_int(), 200) << "request " << i;
  }
  auto refused = client.Request("GET", "/hello");
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->result_int(), 429);
  EXPECT_EQ((*refused)[testing::http::field::content_type], "application/problem+json");
  EXPECT_EQ((*refused)[testing::http::field::retry_after], "1");
  auto problem = boost::json::parse(refused->body()).as_object();
  EXPECT_EQ(problem.at("type").as_string(), "urn:optin-edge:problem:rate-limited");
  EXPECT_EQ(problem.at("status").as_int64(), 429);
  EXPECT_TRUE(refused->keep_alive());
  // Still open: the next refusal comes over the same connection.
  auto again = client.Request("GET", "/hello");
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->result_int(), 429);
  EXPECT_EQ(server_->stats().connections_accepted, 1u);
  EXPECT_EQ(server_->stats().requests_rate_limited, 2u);
}

TEST_F(HttpServerLimitsTest, LoopbackIsExemptByDefault) {
  HttpServerOptions options;
  options.rate_limit.per_second = 1;
  options.rate_limit.burst = 1;
  StartServer(options);
  TestHttpClient client;
  ASSERT_TRUE(client.Connect(port_));
  for (int i = 0; i < 5; ++i) {
    auto ok = client.Request("GET", "/hello");
    ASSERT_TRUE(ok.has_value());
    EXPECT_EQ(ok->result_int(), 200) << "request " << i;
  }
}

TEST_F(HttpServerLimitsTest, ANewBodyLimitAppliesToTheNextRequestOfAnOpenConnection) {
  StartServer();
  TestHttpClient client;
  ASSERT_TRUE(client.Connect(port_));
  auto before = client.Request("POST", "/echo", std::string(2048, 'x'));
  ASSERT_TRUE(before.has_value());
  EXPECT_EQ(before->result_int(), 200);

  HttpServerOptions tighter;
  tighter.max_body_bytes = 1024;
  server_->UpdateLimits(tighter);
  auto after = client.Request("POST", "/echo", std::string(2048, 'x'));
  ASSERT_TRUE(after.has_value()) << "the open connection was dropped";
  EXPECT_EQ(after->result_int(), 413);
  EXPECT_EQ(server_->stats().connections_accepted, 1u);
}

TEST_F(HttpServerLimitsTest, ARateLimitSetWhileRunningAppliesToAnOpenConnection) {
  StartServer();
  TestHttpClient client;
  ASSERT_TRUE(client.Connect(port_));
  for (int i = 0; i < 5; ++i) {
    auto ok = client.Request("GET", "/hello");
    ASSERT_TRUE(ok.has_value());
    EXPECT_EQ(ok->result_int(), 200);
  }
  HttpServerOptions limited;
  limited.rate_limit = LoopbackLimit(1, 2);
  server_->UpdateLimits(limited);
  EXPECT_EQ(client.Request("GET", "/hello")->result_int(), 200);
  EXPECT_EQ(client.Request("GET", "/hello")->result_int(), 200);
  EXPECT_EQ(client.Request("GET", "/hello")->result_int(), 429);

  server_->UpdateLimits(HttpServerOptions{});  // off again
  EXPECT_EQ(client.Request("GET", "/hello")->result_int(), 200);
}

}  // namespace
}  // namespace optin::net::http_server_limits_test
