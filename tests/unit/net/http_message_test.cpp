#include "net/http_message.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <optional>
#include <vector>

#include "net/percent_decode.h"

namespace optin::net::http_message_test {
namespace {

TEST(HttpMessageTest, ProblemBodyIsRfc9457) {
  Response response = Response::Problem(422, "urn:optin-edge:problem:invalid", "Invalid input",
                                        "Purpose \"x\" is unknown.", "/purposes/0");
  EXPECT_EQ(response.status, 422);
  EXPECT_EQ(response.content_type, "application/problem+json");
  boost::json::object body = boost::json::parse(response.body).as_object();
  EXPECT_EQ(body.size(), 5u);
  EXPECT_EQ(body.at("type").as_string(), "urn:optin-edge:problem:invalid");
  EXPECT_EQ(body.at("title").as_string(), "Invalid input");
  EXPECT_EQ(body.at("status").as_int64(), 422);
  EXPECT_EQ(body.at("detail").as_string(), "Purpose \"x\" is unknown.");
  EXPECT_EQ(body.at("field").as_string(), "/purposes/0");
}

// Found by fuzz_http_request: a forbidden query parameter whose name held bytes that are not
// UTF-8 was echoed into the problem as they were, and the body was not JSON any more.
TEST(HttpMessageTest, ProblemBodyStaysValidJsonWhenItsTextHoldsBytesThatAreNotUtf8) {
  const std::string raw = "x\xff\xc3(\xe2\x82\xed\xa0\x80\xf4\x90\x80\x80\xc0\xafy";
  Response response =
      Response::Problem(422, "urn:optin-edge:problem:forbidden-field", "Refused",
                        "The parameter '" + raw + "' is never accepted.", "?" + raw);
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(response.body, ec);  // rejects invalid UTF-8
  ASSERT_FALSE(ec) << ec.message();
  // Each byte that starts no valid sequence becomes one U+FFFD: 0xff; 0xc3 before '('; 0xe2 0x82
  // cut short; the surrogate 0xed 0xa0 0x80; 0xf4 0x90 0x80 0x80 past U+10FFFF; overlong 0xc0 0xaf.
  auto fffd = [](int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += "\xef\xbf\xbd";
    return s;
  };
  EXPECT_EQ(v.at("field").as_string(), "?x" + fffd(2) + "(" + fffd(11) + "y");
}

TEST(HttpMessageTest, ProblemKeepsValidUtf8AsItIs) {
  const std::string text = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9b\x92";  // café € 🛒
  Response response = Response::Problem(400, "urn:optin-edge:problem:x", "T", text, "/" + text);
  boost::json::object body = boost::json::parse(response.body).as_object();
  EXPECT_EQ(body.at("detail").as_string(), text);
  EXPECT_EQ(body.at("field").as_string(), "/" + text);
}

TEST(HttpMessageTest, ProblemWithoutFieldHasNoFieldMember) {
  Response response =
      Response::Problem(404, "urn:optin-edge:problem:not-found", "Not Found", "Nothing here.");
  boost::json::object body = boost::json::parse(response.body).as_object();
  EXPECT_EQ(body.size(), 4u);
  EXPECT_FALSE(body.contains("field"));
}

TEST(HttpMessageTest, JsonResponseCarriesStatusAndBody) {
  Response response = Response::Json(201, R"({"id":1})");
  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(response.body, R"({"id":1})");
}

TEST(HttpMessageTest, HeaderAndParamLookupsReturnEmptyWhenAbsent) {
  Request request;
  request.headers = {{"authorization", "Bearer t"}, {"x-a", "1"}, {"x-a", "2"}};
  request.params = {{"id", "7"}};
  EXPECT_EQ(request.Header("authorization"), "Bearer t");
  EXPECT_EQ(request.Header("x-a"), "1");
  EXPECT_EQ(request.Header("missing"), "");
  EXPECT_EQ(request.Param("id"), "7");
  EXPECT_EQ(request.Param("other"), "");
}

TEST(HttpMessageTest, ResponderDeliversOnlyTheFirstResponse) {
  std::vector<int> statuses;
  Responder responder([&](Response r) { statuses.push_back(r.status); });
  responder(Response::Json(200, "{}"));
  responder(Response::Json(201, "{}"));
  EXPECT_EQ(statuses, std::vector<int>{200});
}

TEST(HttpMessageTest, DroppedResponderAnswers500Problem) {
  std::optional<Response> got;
  {
    Responder responder([&](Response r) { got = std::move(r); });
  }
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->status, 500);
  EXPECT_EQ(got->content_type, "application/problem+json");
  EXPECT_EQ(boost::json::parse(got->body).at("type").as_string(),
            "urn:optin-edge:problem:internal");
}

TEST(HttpMessageTest, MovedFromResponderDoesNotAnswer) {
  std::vector<int> statuses;
  {
    Responder first([&](Response r) { statuses.push_back(r.status); });
    Responder second(std::move(first));
    second(Response::Json(200, "{}"));
  }
  EXPECT_EQ(statuses, std::vector<int>{200});
}

TEST(HttpMessageTest, AssigningOverAnUncalledResponderAnswersIts500) {
  std::vector<int> first_statuses;
  std::vector<int> second_statuses;
  Responder target([&](Response r) { first_statuses.push_back(r.status); });
  target = Responder([&](Response r) { second_statuses.push_back(r.status); });
  EXPECT_EQ(first_statuses, std::vector<int>{500});
  target(Response::Json(200, "{}"));
  EXPECT_EQ(second_statuses, std::vector<int>{200});
}

TEST(HttpMessageTest, SharedRespondersCompleteOnceAndAnswer500WhenAllAreDropped) {
  std::vector<int> statuses;
  {
    std::shared_ptr<Responder> shared =
        Responder([&](Response r) { statuses.push_back(r.status); }).Share();
    auto copy = shared;
    (*copy)(Response::Json(204, ""));
    (*shared)(Response::Json(200, "{}"));
  }
  EXPECT_EQ(statuses, std::vector<int>{204});

  statuses.clear();
  {
    auto shared = Responder([&](Response r) { statuses.push_back(r.status); }).Share();
    auto copy = shared;
  }
  EXPECT_EQ(statuses, std::vector<int>{500});
}

TEST(PercentDecodeTest, DecodesEscapesAndKeepsMalformedOnes) {
  EXPECT_EQ(PercentDecode("a%20b%2Fc%2f"), "a b/c/");
  EXPECT_EQ(PercentDecode("100%"), "100%");
  EXPECT_EQ(PercentDecode("%zz%4"), "%zz%4");
  EXPECT_EQ(PercentDecode("a+b"), "a+b");
}

}  // namespace
}  // namespace optin::net::http_message_test
