// Errors at the HTTP boundary: RFC 9457 problem+json with a stable type, the right status, a
// human detail, the field at fault, and nothing from inside the box on a 500.
#include "api/problem.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <string>

namespace optin::api::problem_test {
namespace {

boost::json::object BodyOf(const net::Response& r) {
  boost::json::value v = boost::json::parse(r.body);
  EXPECT_TRUE(v.is_object()) << r.body;
  return v.is_object() ? v.as_object() : boost::json::object{};
}

std::string HeaderOf(const net::Response& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return {};
}

TEST(ProblemResponse, CarriesTypeTitleStatusDetailAndField) {
  net::Response r = ProblemResponse(Error{ErrorCode::kInvalidArgument, "Unknown purpose 'xyz'.",
                                          "/purposes/xyz", "unknown-purpose"});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.content_type, "application/problem+json");
  auto body = BodyOf(r);
  EXPECT_EQ(body.at("type").as_string(), "urn:optin-edge:problem:unknown-purpose");
  EXPECT_EQ(body.at("title").as_string(), "Bad request");
  EXPECT_EQ(body.at("status").as_int64(), 400);
  EXPECT_EQ(body.at("detail").as_string(), "Unknown purpose 'xyz'.");
  EXPECT_EQ(body.at("field").as_string(), "/purposes/xyz");
  EXPECT_EQ(HeaderOf(r, "Cache-Control"), "no-store");
}

TEST(ProblemResponse, ErrorWithoutFieldHasNoFieldMember) {
  auto body =
      BodyOf(ProblemResponse(Error{ErrorCode::kNotFound, "No visit.", {}, "no-active-visit"}));
  EXPECT_FALSE(body.contains("field"));
  EXPECT_EQ(body.at("status").as_int64(), 404);
}

TEST(ProblemResponse, ErrorWithoutReasonUsesTheCodesDefaultType) {
  auto body = BodyOf(ProblemResponse(Error{ErrorCode::kForbiddenField, "No.", "/age", ""}));
  EXPECT_EQ(body.at("type").as_string(), "urn:optin-edge:problem:forbidden-field");
  EXPECT_EQ(body.at("status").as_int64(), 422);
}

TEST(ProblemResponse, UnauthenticatedAsksForABearerToken) {
  net::Response r = ProblemResponse(
      Error{ErrorCode::kUnauthenticated, "The token has expired.", {}, "token-expired"});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(HeaderOf(r, "WWW-Authenticate"), "Bearer");
  EXPECT_EQ(BodyOf(r).at("type").as_string(), "urn:optin-edge:problem:token-expired");
}

TEST(ProblemResponse, OtherStatusesDoNotAskForAToken) {
  net::Response r = ProblemResponse(Error{ErrorCode::kPermissionDenied, "No consent.", {}, ""});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(HeaderOf(r, "WWW-Authenticate"), "");
}

TEST(ProblemResponse, InternalErrorHidesItsMessage) {
  const std::string secret = "sqlite3_step: disk I/O error at /var/lib/optin-edge/optin-edge.db";
  for (ErrorCode code :
       {ErrorCode::kInternal, ErrorCode::kIo, ErrorCode::kDataLoss, ErrorCode::kCrypto}) {
    net::Response r = ProblemResponse(Error{code, secret, "/secret-field", ""});
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(r.body.find("sqlite3_step"), std::string::npos) << r.body;
    EXPECT_EQ(r.body.find("/var/lib"), std::string::npos) << r.body;
    auto body = BodyOf(r);
    EXPECT_FALSE(body.at("detail").as_string().empty());
    EXPECT_EQ(body.at("status").as_int64(), 500);
    EXPECT_EQ(body.at("title").as_string(), "Internal error");
  }
}

TEST(ProblemResponse, OverloadAndUnavailableSayWhenToRetry) {
  net::Response busy = ProblemResponse(Error{ErrorCode::kResourceExhausted, "Busy.", {}, ""});
  EXPECT_EQ(busy.status, 503);
  EXPECT_FALSE(HeaderOf(busy, "Retry-After").empty());
  net::Response limited =
      ProblemResponse(Error{ErrorCode::kResourceExhausted, "Slow down.", {}, "rate-limited"});
  EXPECT_EQ(limited.status, 429);
  EXPECT_FALSE(HeaderOf(limited, "Retry-After").empty());
}

TEST(ProblemResponse, FullDiskSaysSoPlainlyWithoutTheDatabasesWords) {
  net::Response r = ProblemResponse(
      Error{ErrorCode::kResourceExhausted, "step: database or disk is full", {}, "disk-full"});
  EXPECT_EQ(r.status, 503);
  auto body = BodyOf(r);
  EXPECT_EQ(body.at("type").as_string(), "urn:optin-edge:problem:disk-full");
  EXPECT_EQ(body.at("title").as_string(), "Storage full");
  const std::string detail(body.at("detail").as_string());
  EXPECT_NE(detail.find("storage is full"), std::string::npos) << detail;
  EXPECT_NE(detail.find("nothing was saved"), std::string::npos) << detail;
  EXPECT_EQ(r.body.find("step:"), std::string::npos) << r.body;
  EXPECT_EQ(HeaderOf(r, "Retry-After"), "60");
}

TEST(HttpStatusFor, EachErrorCodeMapsToItsStatus) {
  auto status = [](ErrorCode c, std::string reason = {}) {
    return HttpStatusFor(Error{c, "m", {}, std::move(reason)});
  };
  EXPECT_EQ(status(ErrorCode::kInvalidArgument), 400);
  EXPECT_EQ(status(ErrorCode::kInvalidArgument, "unsupported-media-type"), 415);
  EXPECT_EQ(status(ErrorCode::kForbiddenField), 422);
  EXPECT_EQ(status(ErrorCode::kUnauthenticated), 401);
  EXPECT_EQ(status(ErrorCode::kPermissionDenied), 403);
  EXPECT_EQ(status(ErrorCode::kNotFound), 404);
  EXPECT_EQ(status(ErrorCode::kConflict), 409);
  EXPECT_EQ(status(ErrorCode::kFailedPrecondition), 409);
  EXPECT_EQ(status(ErrorCode::kResourceExhausted), 503);
  EXPECT_EQ(status(ErrorCode::kUnavailable), 503);
  EXPECT_EQ(status(ErrorCode::kIo), 500);
  EXPECT_EQ(status(ErrorCode::kInternal), 500);
}

TEST(ProblemResponse, UnsupportedMediaTypeHasItsOwnTitle) {
  net::Response r = ProblemResponse(
      Error{ErrorCode::kInvalidArgument, "Send JSON.", {}, "unsupported-media-type"});
  EXPECT_EQ(r.status, 415);
  EXPECT_EQ(BodyOf(r).at("title").as_string(), "Unsupported media type");
}

TEST(ProblemResponse, APurposeThatNeedsTheAppIs422NotPossibleHere) {
  net::Response r = ProblemResponse(Error{ErrorCode::kFailedPrecondition, "History needs the app.",
                                          "/purposes/history", "purpose-needs-app"});
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(BodyOf(r).at("title").as_string(), "Not possible here");
  EXPECT_EQ(BodyOf(r).at("field").as_string(), "/purposes/history");
  net::Response forbidden =
      ProblemResponse(Error{ErrorCode::kForbiddenField, "No age.", "/age", {}});
  EXPECT_EQ(BodyOf(forbidden).at("title").as_string(), "Field never accepted");
}

}  // namespace
}  // namespace optin::api::problem_test
