#include "net/router.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <optional>

namespace optin::net::router_test {
namespace {

Handler Named(std::string name, std::string* called) {
  return [name = std::move(name), called](Request&&, Responder responder) {
    *called = name;
    responder(Response::Json(200, "{}"));
  };
}

// Dispatches a hand-built request and returns the response it got.
Response DispatchTo(const Router& router, std::string method, std::string target) {
  std::optional<Response> got;
  Request request;
  request.method = std::move(method);
  request.target = std::move(target);
  request.path = request.target.substr(0, request.target.find('?'));
  router.Dispatch(std::move(request), Responder([&](Response r) { got = std::move(r); }));
  EXPECT_TRUE(got.has_value());
  return got.value_or(Response{});
}

TEST(RouterTest, LiteralPathFindsItsHandler) {
  Router router;
  std::string called;
  router.Add("GET", "/v1/health", Named("health", &called));
  router.Add("GET", "/v1/other", Named("other", &called));
  Router::Match match = router.Find("GET", "/v1/health");
  ASSERT_NE(match.handler, nullptr);
  (*match.handler)(Request{}, Responder([](Response) {}));
  EXPECT_EQ(called, "health");
  EXPECT_TRUE(match.params.empty());
}

TEST(RouterTest, PlaceholderCapturesThePercentDecodedSegment) {
  Router router;
  std::string called;
  router.Add("DELETE", "/v1/me/consents/{purpose}", Named("withdraw", &called));
  Router::Match match = router.Find("DELETE", "/v1/me/consents/offers%20and%2Fmore");
  ASSERT_NE(match.handler, nullptr);
  EXPECT_EQ(match.params.at("purpose"), "offers and/more");
}

TEST(RouterTest, PlaceholderDoesNotMatchAnEmptySegmentOrExtraSegments) {
  Router router;
  std::string called;
  router.Add("GET", "/v1/items/{id}", Named("item", &called));
  EXPECT_EQ(router.Find("GET", "/v1/items/").handler, nullptr);
  EXPECT_EQ(router.Find("GET", "/v1/items/a/b").handler, nullptr);
  EXPECT_EQ(router.Find("GET", "/v1/items").handler, nullptr);
}

TEST(RouterTest, LiteralSegmentWinsOverPlaceholderWhicheverWasAddedFirst) {
  for (bool literal_first : {true, false}) {
    Router router;
    std::string called;
    if (literal_first) router.Add("POST", "/v1/checkins/current/end", Named("current", &called));
    router.Add("POST", "/v1/checkins/{id}/end", Named("by-id", &called));
    if (!literal_first) router.Add("POST", "/v1/checkins/current/end", Named("current", &called));

    Router::Match current = router.Find("POST", "/v1/checkins/current/end");
    ASSERT_NE(current.handler, nullptr);
    (*current.handler)(Request{}, Responder([](Response) {}));
    EXPECT_EQ(called, "current") << "literal_first=" << literal_first;
    EXPECT_TRUE(current.params.empty());

    Router::Match by_id = router.Find("POST", "/v1/checkins/42/end");
    ASSERT_NE(by_id.handler, nullptr);
    (*by_id.handler)(Request{}, Responder([](Response) {}));
    EXPECT_EQ(called, "by-id");
    EXPECT_EQ(by_id.params.at("id"), "42");
  }
}

TEST(RouterTest, WrongMethodReportsTheAllowedMethods) {
  Router router;
  std::string called;
  router.Add("GET", "/v1/me", Named("get", &called));
  router.Add("DELETE", "/v1/me", Named("delete", &called));
  Router::Match match = router.Find("POST", "/v1/me");
  EXPECT_EQ(match.handler, nullptr);
  EXPECT_EQ(match.allowed, (std::vector<std::string>{"GET", "DELETE"}));
}

TEST(RouterTest, UnknownPathFindsNothingAndAllowsNothing) {
  Router router;
  std::string called;
  router.Add("GET", "/v1/me", Named("get", &called));
  Router::Match match = router.Find("GET", "/v1/you");
  EXPECT_EQ(match.handler, nullptr);
  EXPECT_TRUE(match.allowed.empty());
}

TEST(RouterTest, DispatchAnswersUnknownPathWith404Problem) {
  Router router;
  Response response = DispatchTo(router, "GET", "/nowhere");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.content_type, "application/problem+json");
  EXPECT_EQ(boost::json::parse(response.body).at("type").as_string(),
            "urn:optin-edge:problem:not-found");
}

TEST(RouterTest, DispatchAnswersWrongMethodWith405AndAllowHeader) {
  Router router;
  std::string called;
  router.Add("GET", "/v1/me", Named("get", &called));
  router.Add("PUT", "/v1/me", Named("put", &called));
  Response response = DispatchTo(router, "POST", "/v1/me");
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(boost::json::parse(response.body).at("type").as_string(),
            "urn:optin-edge:problem:method-not-allowed");
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.headers[0].first, "Allow");
  EXPECT_EQ(response.headers[0].second, "GET, HEAD, PUT");
  EXPECT_TRUE(called.empty());
}

TEST(RouterTest, HeadWithoutItsOwnRouteIsAnsweredByTheGetRoute) {
  Router router;
  std::string called;
  router.Add("GET", "/v1/store", Named("get", &called));
  Response response = DispatchTo(router, "HEAD", "/v1/store");
  EXPECT_EQ(called, "get");
  EXPECT_NE(response.status, 405);
  EXPECT_EQ(DispatchTo(router, "HEAD", "/v1/nowhere").status, 404);
}

TEST(RouterTest, DispatchFillsParamsAndIgnoresTheQuery) {
  Router router;
  std::string seen;
  router.Add("GET", "/v1/items/{id}", [&](Request&& request, Responder responder) {
    seen = std::string(request.Param("id"));
    responder(Response::Json(200, "{}"));
  });
  Response response = DispatchTo(router, "GET", "/v1/items/a%2Fb?x=1");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(seen, "a/b");
}

TEST(RouterTest, RoutesListsEveryRouteInOrder) {
  Router router;
  std::string called;
  router.Add("GET", "/a", Named("a", &called));
  router.Add("POST", "/b/{id}", Named("b", &called));
  std::vector<Router::Route> routes = router.Routes();
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(routes[0].method, "GET");
  EXPECT_EQ(routes[0].pattern, "/a");
  EXPECT_EQ(routes[1].method, "POST");
  EXPECT_EQ(routes[1].pattern, "/b/{id}");
}

// Records what the router reports.
class RecordingObserver : public RequestObserver {
 public:
  struct Seen {
    std::string method;
    std::string pattern;
    int status;
  };
  void OnRequest(std::string_view method, std::string_view pattern, int status,
                 std::chrono::nanoseconds elapsed) override {
    seen.push_back({std::string(method), std::string(pattern), status});
    EXPECT_GE(elapsed.count(), 0);
  }
  std::vector<Seen> seen;
};

TEST(RouterTest, ObserverHearsTheRoutePatternNeverThePathAsSent) {
  Router router;
  RecordingObserver observer;
  router.SetObserver(&observer);
  std::string called;
  router.Add("GET", "/v1/assist/{id}", Named("assist", &called));
  DispatchTo(router, "GET", "/v1/assist/h_secret123?x=1");
  ASSERT_EQ(observer.seen.size(), 1u);
  EXPECT_EQ(observer.seen[0].method, "GET");
  EXPECT_EQ(observer.seen[0].pattern, "/v1/assist/{id}");
  EXPECT_EQ(observer.seen[0].status, 200);
}

TEST(RouterTest, ObserverHearsUnknownPathsAndWrongMethodsAsUnmatched) {
  Router router;
  RecordingObserver observer;
  router.SetObserver(&observer);
  std::string called;
  router.Add("GET", "/a", Named("a", &called));
  DispatchTo(router, "GET", "/nowhere/subject-42");
  DispatchTo(router, "DELETE", "/a");
  ASSERT_EQ(observer.seen.size(), 2u);
  EXPECT_EQ(observer.seen[0].pattern, kUnmatchedRoute);
  EXPECT_EQ(observer.seen[0].status, 404);
  EXPECT_EQ(observer.seen[1].pattern, kUnmatchedRoute);
  EXPECT_EQ(observer.seen[1].method, "DELETE");
  EXPECT_EQ(observer.seen[1].status, 405);
}

TEST(RouterTest, ObserverHearsALateAnswerWhenItIsGivenAndAnAbandonedOneAs500) {
  Router router;
  RecordingObserver observer;
  router.SetObserver(&observer);
  std::optional<Responder> parked;
  router.Add("POST", "/later", [&](Request&&, Responder r) { parked.emplace(std::move(r)); });
  router.Add("POST", "/never", [](Request&&, Responder) {});
  Request request;
  request.method = "POST";
  request.target = "/later";
  std::optional<int> status;
  router.Dispatch(std::move(request), Responder([&](Response r) { status = r.status; }));
  EXPECT_TRUE(observer.seen.empty());
  (*parked)(Response::Json(201, "{}"));
  ASSERT_EQ(observer.seen.size(), 1u);
  EXPECT_EQ(observer.seen[0].status, 201);
  EXPECT_EQ(status, 201);

  DispatchTo(router, "POST", "/never");
  ASSERT_EQ(observer.seen.size(), 2u);
  EXPECT_EQ(observer.seen[1].pattern, "/never");
  EXPECT_EQ(observer.seen[1].status, 500);
}

}  // namespace
}  // namespace optin::net::router_test
