// POST /v1/checkins through ShopperApi::CheckIn, with the daemon's wiring and no sockets:
// the visit, the visit token, the chosen purposes and a receipt signed by the device; and every
// refusal (token, replay, presence code, purposes, forbidden fields) changes nothing.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <map>
#include <string>

#include "privacy/jws.h"
#include "tests/unit/api/api_fixture.h"

namespace optin::testing::checkin_test {
namespace {

using boost::json::array;
using boost::json::object;

class CheckInTest : public ApiFixture {
 protected:
  // Rows of every table a check-in writes to.
  std::map<std::string, int64_t> Snapshot() {
    std::map<std::string, int64_t> rows;
    for (const char* t : {"subjects", "visits", "consents", "receipts", "used_token_ids",
                          "interests", "audit_log"}) {
      rows[t] = CountRows(t);
    }
    return rows;
  }

  Reply PostCheckIn(const object& body, std::string_view token) {
    return Call(&api::ShopperApi::CheckIn, MakeRequest("POST", "/v1/checkins", Json(body), token));
  }
};

TEST_F(CheckInTest, CheckInReturnsVisitTokenPurposesAndASignedReceipt) {
  Reply r = CheckIn(MintAppToken("app-user-1"), {{"offers", true}, {"history", false}});
  ASSERT_EQ(r.status, 201) << r.raw_body;
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.Header("Cache-Control"), "no-store");

  const auto& visit = r.obj().at("visit").as_object();
  EXPECT_FALSE(visit.at("id").as_string().empty());
  EXPECT_FALSE(visit.at("pseudonym").as_string().empty());
  EXPECT_EQ(visit.at("channel").as_string(), "app");
  EXPECT_EQ(visit.at("started_at").as_int64(), clock_.NowUnix());
  EXPECT_GT(visit.at("expires_at").as_int64(), clock_.NowUnix());
  EXPECT_FALSE(visit.contains("ended_at"));

  EXPECT_TRUE(r.obj().at("visit_token").as_string().starts_with("vt_"));

  const auto& purposes = r.obj().at("purposes");
  EXPECT_EQ(StateOf(purposes, "presence"), "granted");
  EXPECT_EQ(StateOf(purposes, "offers"), "granted");
  EXPECT_EQ(StateOf(purposes, "history"), "withdrawn");
  EXPECT_EQ(StateOf(purposes, "assistance"), "not_asked");
  EXPECT_EQ(StateOf(purposes, "name_to_staff"), "not_asked");
  EXPECT_EQ(StateOf(purposes, "hq_aggregates"), "not_asked");
  EXPECT_TRUE(r.obj().at("renewal_required").as_array().empty());

  const auto& receipt = r.obj().at("receipt").as_object();
  const std::string jws(receipt.at("jws").as_string());
  auto verified = privacy::VerifyJws(keys_->SigningPublicKey(), jws);
  ASSERT_TRUE(verified.has_value()) << verified.error().message;
  EXPECT_EQ(verified->header.at("typ").as_string(), "consent-receipt+jws");
  EXPECT_EQ(verified->header.at("kid").as_string(), keys_->SigningPublicKey().KeyId());
  EXPECT_EQ(verified->payload.at("consentReceiptID").as_string(), receipt.at("id").as_string());
  EXPECT_EQ(verified->payload, receipt.at("payload").as_object());
  EXPECT_EQ(verified->payload.at("policyVersion").as_string(), "1");
  // The raw app id never appears in what the device signs or returns.
  EXPECT_EQ(r.raw_body.find("app-user-1"), std::string::npos);

  EXPECT_EQ(CountRows("subjects"), 1);
  EXPECT_EQ(CountRows("visits"), 1);
  EXPECT_EQ(CountRows("consents"), 3);  // presence, offers, history
  EXPECT_EQ(CountRows("receipts"), 1);
}

TEST_F(CheckInTest, ReceiptSignedWithAnotherKeyWouldNotVerify) {
  Reply r = CheckIn(MintAppToken("app-user-1"));
  ASSERT_EQ(r.status, 201) << r.raw_body;
  const std::string jws(r.obj().at("receipt").as_object().at("jws").as_string());
  EXPECT_TRUE(SignedByDevice(jws));
  EXPECT_FALSE(privacy::VerifyJws(hq_key_.PublicKey(), jws).has_value());
}

TEST_F(CheckInTest, PurposesFromTheTokenClaimAreUsedWhenTheBodyHasNone) {
  TokenOptions options;
  options.purposes = std::vector<std::string>{"assistance"};
  Reply r = CheckIn(MintAppToken("app-user-1", options));
  ASSERT_EQ(r.status, 201) << r.raw_body;
  EXPECT_EQ(StateOf(r.obj().at("purposes"), "assistance"), "granted");
  EXPECT_EQ(StateOf(r.obj().at("purposes"), "offers"), "not_asked");
}

TEST_F(CheckInTest, TokenClaimNamingAnUnknownPurposeIs401) {
  TokenOptions options;
  options.purposes = std::vector<std::string>{"offers", "face_matching"};
  Reply r = CheckIn(MintAppToken("app-user-1", options));
  EXPECT_EQ(r.status, 401) << r.raw_body;
  EXPECT_EQ(r.problem_reason(), "token-claims");
  EXPECT_EQ(CountRows("subjects"), 0);
}

TEST_F(CheckInTest, BodyPurposesWinOverTheTokenClaim) {
  TokenOptions options;
  options.purposes = std::vector<std::string>{"assistance"};
  Reply r = CheckIn(MintAppToken("app-user-1", options), {{"offers", true}});
  ASSERT_EQ(r.status, 201) << r.raw_body;
  EXPECT_EQ(StateOf(r.obj().at("purposes"), "offers"), "granted");
  EXPECT_EQ(StateOf(r.obj().at("purposes"), "assistance"), "not_asked");
}

TEST_F(CheckInTest, AuthorizationThatIsNotBearerIs401WithBearerChallenge) {
  const auto before = Snapshot();
  net::Request req = MakeRequest("POST", "/v1/checkins",
                                 Json(object{{"presence_code", stack_->presence->Current()}}));
  req.headers.emplace_back("authorization", "Basic dXNlcjpwYXNz");
  Reply r = Call(&api::ShopperApi::CheckIn, std::move(req));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.content_type, "application/problem+json");
  EXPECT_EQ(r.Header("WWW-Authenticate"), "Bearer");
  EXPECT_EQ(r.problem_reason(), "missing-token");
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(CheckInTest, WithoutAnyTokenTheWebPageChecksInAnonymously) {
  Reply r = PostCheckIn(
      {{"presence_code", stack_->presence->Current()}, {"purposes", {{"offers", true}}}}, "");
  ASSERT_EQ(r.status, 201) << r.raw_body;
  const auto& visit = r.obj().at("visit").as_object();
  EXPECT_EQ(visit.at("channel").as_string(), "web");
  EXPECT_TRUE(r.obj().at("visit_token").as_string().starts_with("vt_"));
  EXPECT_EQ(StateOf(r.obj().at("purposes"), "offers"), "granted");
  EXPECT_EQ(StateOf(r.obj().at("purposes"), "assistance"), "not_asked");
  EXPECT_TRUE(SignedByDevice(r.obj().at("receipt").as_object().at("jws").as_string()));
  // No token id to remember: nothing was added to the replay table.
  EXPECT_EQ(CountRows("used_token_ids"), 0);
  // The visit token is the shopper's handle on everything.
  Reply me = GetMe(r.obj().at("visit_token").as_string());
  ASSERT_EQ(me.status, 200) << me.raw_body;
  EXPECT_EQ(StateOf(me.obj().at("purposes"), "offers"), "granted");
}

TEST_F(CheckInTest, TheWebPageMayCheckInWithACodeScannedMinutesAgoButTheAppMayNot) {
  const std::string scanned = stack_->presence->Current();
  clock_.Advance(std::chrono::minutes(3));
  Reply app = CheckIn(MintAppToken("app-user-1"), {}, nullptr);  // the current code: fine
  ASSERT_EQ(app.status, 201) << app.raw_body;
  Reply app_old = Call(&api::ShopperApi::CheckIn,
                       MakeRequest("POST", "/v1/checkins", Json(object{{"presence_code", scanned}}),
                                   MintAppToken("app-user-2")));
  EXPECT_EQ(app_old.status, 403);
  Reply web = PostCheckIn({{"presence_code", scanned}}, "");
  EXPECT_EQ(web.status, 201) << web.raw_body;
}

TEST_F(CheckInTest, TwoAnonymousCheckInsAreTwoUnlinkedSubjects) {
  const object body{{"presence_code", stack_->presence->Current()}};
  Reply a = PostCheckIn(body, "");
  Reply b = PostCheckIn(body, "");
  ASSERT_EQ(a.status, 201);
  ASSERT_EQ(b.status, 201);
  EXPECT_EQ(CountRows("subjects"), 2);
  EXPECT_EQ(CountRows("visits"), 2);
  // The first visit is still open: an anonymous check-in never ends someone else's visit.
  EXPECT_EQ(GetMe(a.obj().at("visit_token").as_string()).status, 200);
}

TEST_F(CheckInTest, HistoryIsRefusedOnAnAnonymousWebVisitNamingThePurposeAndWhy) {
  const auto before = Snapshot();
  Reply r = PostCheckIn(
      {{"presence_code", stack_->presence->Current()}, {"purposes", {{"history", true}}}}, "");
  EXPECT_EQ(r.status, 422) << r.raw_body;
  EXPECT_EQ(r.problem_reason(), "purpose-needs-app");
  EXPECT_EQ(r.problem_field(), "/purposes/history");
  const std::string detail(r.obj().at("detail").as_string());
  EXPECT_NE(detail.find("'history'"), std::string::npos) << detail;
  EXPECT_NE(detail.find("anonymous"), std::string::npos) << detail;
  EXPECT_NE(detail.find("app"), std::string::npos) << detail;
  EXPECT_EQ(Snapshot(), before) << "nothing was recorded";

  // Declining is fine, and so is asking later with the visit token: refused the same way.
  Reply web = PostCheckIn(
      {{"presence_code", stack_->presence->Current()}, {"purposes", {{"history", false}}}}, "");
  ASSERT_EQ(web.status, 201) << web.raw_body;
  const std::string visit_token(web.obj().at("visit_token").as_string());
  Reply later = PutConsent(visit_token, "history", true);
  EXPECT_EQ(later.status, 422) << later.raw_body;
  EXPECT_EQ(later.problem_reason(), "purpose-needs-app");
  EXPECT_EQ(later.problem_field(), "/granted");
  EXPECT_EQ(StateOf(GetMe(visit_token).obj().at("purposes"), "history"), "withdrawn");
  EXPECT_EQ(PutConsent(visit_token, "history", false).status, 200);

  // With the app, history is granted as before.
  Reply app = CheckIn(MintAppToken("app-user-h"), {{"history", true}});
  ASSERT_EQ(app.status, 201) << app.raw_body;
  EXPECT_EQ(StateOf(app.obj().at("purposes"), "history"), "granted");
}

TEST_F(CheckInTest, AStaffTokenOnShopperRoutesIs401ThisIsAStaffSession) {
  const std::string staff = "st_" + std::string(43, 'A');
  for (Reply r : {GetMe(staff), CheckIn(staff), PutConsent(staff, "offers", true)}) {
    EXPECT_EQ(r.status, 401) << r.raw_body;
    EXPECT_EQ(r.problem_reason(), "staff-session");
    EXPECT_NE(r.raw_body.find("This is a staff session"), std::string::npos) << r.raw_body;
    EXPECT_EQ(r.raw_body.find("compact JWS"), std::string::npos) << r.raw_body;
  }
}

TEST_F(CheckInTest, AnonymousCheckInStillNeedsTheStoresPresenceCode) {
  const auto before = Snapshot();
  Reply r = PostCheckIn({{"presence_code", "ZZZZZZZZ"}}, "");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.problem_reason(), "presence-code-invalid");
  Reply missing = PostCheckIn(object{}, "");
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(missing.problem_field(), "/presence_code");
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(CheckInTest, ExpiredTokenIs401TokenExpired) {
  const std::string token = MintAppToken("app-user-1");
  clock_.Advance(std::chrono::hours(2));  // past exp (1 h) and the 60 s leeway
  Reply r = CheckIn(token);
  EXPECT_EQ(r.status, 401) << r.raw_body;
  EXPECT_EQ(r.problem_reason(), "token-expired");
  EXPECT_EQ(CountRows("subjects"), 0);
  EXPECT_EQ(CountRows("used_token_ids"), 0);
}

TEST_F(CheckInTest, TokenSignedByAnotherKeyIs401) {
  platform::EcdsaPrivateKey stranger = Must(platform::EcdsaPrivateKey::Generate(*random_), "key");
  const int64_t now = clock_.NowUnix();
  object claims{{"iss", kTestIssuer}, {"sub", "x"},       {"aud", kTestStoreId},
                {"iat", now},         {"exp", now + 600}, {"jti", "forged-1"}};
  std::string forged = Must(privacy::SignJws(stranger, *random_, "k", "JWT", claims), "sign");
  Reply r = CheckIn(forged);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.problem_reason(), "token-signature");
  EXPECT_EQ(CountRows("subjects"), 0);
}

TEST_F(CheckInTest, ReplayedTokenIs409AndChangesNothing) {
  const std::string token = MintAppToken("app-user-1");
  Reply first = CheckIn(token, {{"offers", true}});
  ASSERT_EQ(first.status, 201) << first.raw_body;
  const std::string visit_token(first.obj().at("visit_token").as_string());
  const auto before = Snapshot();

  Reply replay = CheckIn(token, {{"offers", false}, {"history", true}});
  EXPECT_EQ(replay.status, 409) << replay.raw_body;
  EXPECT_EQ(replay.problem_reason(), "token-replayed");
  EXPECT_EQ(Snapshot(), before);

  // The first visit is still open and its consents are as they were.
  Reply me = GetMe(visit_token);
  ASSERT_EQ(me.status, 200) << me.raw_body;
  EXPECT_EQ(me.obj().at("current_visit").as_object().at("id"),
            first.obj().at("visit").as_object().at("id"));
  EXPECT_EQ(StateOf(me.obj().at("purposes"), "offers"), "granted");
  EXPECT_EQ(StateOf(me.obj().at("purposes"), "history"), "not_asked");
}

TEST_F(CheckInTest, WrongPresenceCodeIs403AndChangesNothing) {
  Reply r = PostCheckIn({{"presence_code", "00000000"}}, MintAppToken("app-user-1"));
  EXPECT_EQ(r.status, 403) << r.raw_body;
  EXPECT_EQ(r.problem_reason(), "presence-code-invalid");
  EXPECT_EQ(r.problem_field(), "/presence_code");
  EXPECT_EQ(CountRows("subjects"), 0);
  EXPECT_EQ(CountRows("used_token_ids"), 0);
}

TEST_F(CheckInTest, StalePresenceCodeIsRefused) {
  const std::string code = stack_->presence->Current();
  clock_.Advance(std::chrono::minutes(5));
  Reply r = PostCheckIn({{"presence_code", code}}, MintAppToken("app-user-1"));
  EXPECT_EQ(r.status, 403) << r.raw_body;
  EXPECT_EQ(r.problem_reason(), "presence-code-invalid");
}

TEST_F(CheckInTest, MissingPresenceCodeIs400NamingIt) {
  Reply r = PostCheckIn({{"purposes", object{{"offers", true}}}}, MintAppToken("app-user-1"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.problem_field(), "/presence_code");
  EXPECT_EQ(CountRows("subjects"), 0);
}

TEST_F(CheckInTest, UnknownPurposeIs400NamingIt) {
  Reply r = CheckIn(MintAppToken("app-user-1"), {{"offers", true}, {"xyz", true}});
  EXPECT_EQ(r.status, 400) << r.raw_body;
  EXPECT_EQ(r.problem_reason(), "unknown-purpose");
  EXPECT_EQ(r.problem_field(), "/purposes/xyz");
  EXPECT_EQ(CountRows("subjects"), 0);
}

TEST_F(CheckInTest, NonBooleanPurposeIs400NamingIt) {
  Reply r = CheckIn(MintAppToken("app-user-1"), {{"offers", "yes"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.problem_field(), "/purposes/offers");
}

TEST_F(CheckInTest, PresenceFalseIs400) {
  Reply r = CheckIn(MintAppToken("app-user-1"), {{"presence", false}});
  EXPECT_EQ(r.status, 400) << r.raw_body;
  EXPECT_EQ(r.problem_reason(), "presence-required");
  EXPECT_EQ(r.problem_field(), "/purposes/presence");
  EXPECT_EQ(CountRows("subjects"), 0);
}

TEST_F(CheckInTest, UnknownMemberIs400NamingIt) {
  Reply r = PostCheckIn({{"presence_code", stack_->presence->Current()}, {"purpose", object{}}},
                        MintAppToken("app-user-1"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.problem_reason(), "unknown-field");
  EXPECT_EQ(r.problem_field(), "/purpose");
}

TEST_F(CheckInTest, ForbiddenFieldIsRefusedAndNothingIsWritten) {
  const std::string token = MintAppToken("app-user-1");
  const auto before = Snapshot();
  for (const auto& [name, rows] : before) EXPECT_EQ(rows, 0) << name;

  object body{{"presence_code", stack_->presence->Current()},
              {"purposes", object{{"offers", true}}},
              {"profile", array{object{{"birthDate", "1990-01-01"}}}}};
  Reply r = PostCheckIn(body, token);
  EXPECT_EQ(r.status, 422) << r.raw_body;
  EXPECT_EQ(r.content_type, "application/problem+json");
  EXPECT_EQ(r.problem_reason(), "forbidden-field");
  EXPECT_EQ(r.problem_field(), "/profile/0/birthDate");
  EXPECT_EQ(Snapshot(), before);

  // The token was not consumed: the same shopper checks in once they drop the field.
  body.erase("profile");
  EXPECT_EQ(PostCheckIn(body, token).status, 201);
}

TEST_F(CheckInTest, SelfieIsRefusedAndNothingIsWritten) {
  const auto before = Snapshot();
  object body{{"presence_code", stack_->presence->Current()},
              {"purposes", object{{"offers", "data:image/jpeg;base64,/9j/4AAQSkZJRg=="}}}};
  Reply r = PostCheckIn(body, MintAppToken("app-user-1"));
  EXPECT_EQ(r.status, 422) << r.raw_body;
  EXPECT_EQ(r.problem_field(), "/purposes/offers");
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(CheckInTest, WrongMediaTypeIs415) {
  net::Request req = MakeRequest("POST", "/v1/checkins",
                                 Json(object{{"presence_code", stack_->presence->Current()}}),
                                 MintAppToken("app-user-1"));
  req.headers[0].second = "text/plain";
  Reply r = Call(&api::ShopperApi::CheckIn, std::move(req));
  EXPECT_EQ(r.status, 415);
  EXPECT_EQ(r.problem_reason(), "unsupported-media-type");
}

TEST_F(CheckInTest, DeviceWithoutHqKeyRefusesAppTokensAsUnavailable) {
  auto unprovisioned = MakeStack("1", /*provisioned=*/false);
  Reply r = CheckIn(MintAppToken("app-user-1"), {}, unprovisioned.get());
  EXPECT_EQ(r.status, 503) << r.raw_body;
  EXPECT_EQ(r.problem_reason(), "not-provisioned");
  EXPECT_EQ(CountRows("subjects"), 0);
}

TEST_F(CheckInTest, CheckingInAgainEndsThePreviousVisit) {
  Reply first = CheckIn(MintAppToken("app-user-1"));
  ASSERT_EQ(first.status, 201);
  Reply second = CheckIn(MintAppToken("app-user-1"));
  ASSERT_EQ(second.status, 201);
  EXPECT_NE(first.obj().at("visit").as_object().at("id"),
            second.obj().at("visit").as_object().at("id"));
  EXPECT_EQ(CountRows("subjects"), 1);
  Reply old_token = GetMe(first.obj().at("visit_token").as_string());
  EXPECT_EQ(old_token.status, 401);
  EXPECT_EQ(old_token.problem_reason(), "visit-token-invalid");
}

}  // namespace
}  // namespace optin::testing::checkin_test
