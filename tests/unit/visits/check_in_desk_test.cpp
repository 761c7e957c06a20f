// The check-in use case with plain values: a credential (app token, loyalty scan, none), a
// presence proof (the entrance's code, the store's scanner) and the decisions; a real SQLite
// database, a fake clock, a generated HQ key. No HTTP: tests/unit/api/checkin_test.cpp covers
// the route that translates to it.
#include "visits/check_in_desk.h"

#include <gtest/gtest.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <future>
#include <string>
#include <utility>
#include <vector>

#include "platform/crypto.h"
#include "privacy/jws.h"
#include "tests/support/domain_fixture.h"

namespace optin::visits::check_in_desk_test {
namespace {

using consent::Purpose;
using optin::testing::ValueOrDie;

constexpr std::string_view kStore = "store-0042";
constexpr std::string_view kIssuer = "https://hq.example";

class CheckInDeskTest : public ::testing::Test {
 protected:
  CheckInDeskTest()
      : hq_random_(11),
        hq_key_(ValueOrDie(platform::EcdsaPrivateKey::Generate(hq_random_), "hq key")),
        verifier_(world_.clock(), hq_key_.PublicKey(),
                  AppTokenPolicy{std::string(kStore), std::string(kIssuer)}),
        presence_(std::string(32, 'q'), world_.clock()),
        desk_(world_.database().db(), verifier_, presence_, world_.keys().pseudonymizer(),
              world_.visits(), {.web_code_previous_steps = 4}) {}

  std::string Token(std::optional<std::vector<std::string>> purposes = std::nullopt,
                    std::string_view jti = "jti-1") {
    const int64_t now = world_.clock().NowUnix();
    boost::json::object claims{{"iss", kIssuer}, {"sub", "app-123"}, {"aud", kStore},
                               {"iat", now},     {"exp", now + 120}, {"jti", jti}};
    if (purposes) {
      boost::json::array list;
      for (const auto& p : *purposes) list.emplace_back(p);
      claims["purposes"] = std::move(list);
    }
    return ValueOrDie(privacy::SignJws(hq_key_, hq_random_, "hq-1", "JWT", claims), "mint");
  }
  CheckInInput App(std::string token, std::vector<consent::ConsentChange> decisions = {}) {
    return CheckInInput{.credential = AppToken{std::move(token)},
                        .presence = PresenceCodeShown{presence_.Current()},
                        .decisions = std::move(decisions)};
  }
  Result<CheckInResult> Submit(CheckInInput input) {
    std::promise<Result<CheckInResult>> p;
    auto f = p.get_future();
    desk_.Submit(std::move(input), [&p](Result<CheckInResult> r) { p.set_value(std::move(r)); });
    EXPECT_EQ(f.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    return f.get();
  }
  static std::vector<std::pair<std::string, bool>> Decided(const CheckInRequest& req) {
    std::vector<std::pair<std::string, bool>> out;
    for (const auto& d : req.decisions) {
      out.emplace_back(std::string(consent::ToString(d.purpose)), d.granted);
    }
    return out;
  }
  std::string Subject() { return world_.keys().pseudonymizer().SubjectId(kIssuer, "app-123"); }

  optin::testing::VisitsWorld world_;
  platform::SeededRandom hq_random_;
  platform::EcdsaPrivateKey hq_key_;
  AppTokenVerifier verifier_;
  PresenceCode presence_;
  CheckInDesk desk_;
};

// Moved from ScanCheckInRequestTest when the scan's request building moved into the desk.
TEST_F(CheckInDeskTest, ALoyaltyScanDecidesEveryNonPresencePurposeExactlyAsItsTokenSays) {
  auto req = desk_.Prepare(CheckInInput{
      .credential =
          LoyaltyScan{Token(std::vector<std::string>{"presence", "hq_aggregates"}, "jti-9")},
      .presence = ScannedHere{"kiosk"}});
  ASSERT_TRUE(req) << req.error().message;
  EXPECT_EQ(req->subject_id, Subject());
  EXPECT_EQ(req->token_id, "jti-9");
  EXPECT_EQ(req->token_expires_at, world_.clock().NowUnix() + 120);
  EXPECT_EQ(req->channel, "loyalty_scan");
  EXPECT_EQ(Decided(*req), (std::vector<std::pair<std::string, bool>>{{"offers", false},
                                                                      {"assistance", false},
                                                                      {"name_to_staff", false},
                                                                      {"history", false},
                                                                      {"hq_aggregates", true}}));
}

TEST_F(CheckInDeskTest, AnAppTokenWithoutDecisionsGrantsThePurposesItCarriesEachOnce) {
  auto req = desk_.Prepare(App(Token(std::vector<std::string>{"offers", "history", "offers"})));
  ASSERT_TRUE(req) << req.error().message;
  EXPECT_EQ(req->channel, "app");
  EXPECT_EQ(req->subject_id, Subject());
  EXPECT_EQ(Decided(*req),
            (std::vector<std::pair<std::string, bool>>{{"offers", true}, {"history", true}}));
}

TEST_F(CheckInDeskTest, DecisionsGivenAtCheckInWinOverTheTokensPurposes) {
  auto req =
      desk_.Prepare(App(Token(std::vector<std::string>{"offers"}), {{Purpose::kAssistance, true}}));
  ASSERT_TRUE(req) << req.error().message;
  EXPECT_EQ(Decided(*req), (std::vector<std::pair<std::string, bool>>{{"assistance", true}}));
}

TEST_F(CheckInDeskTest, AnUnknownPurposeInTheTokenIsRefusedAsItsClaims) {
  auto req = desk_.Prepare(App(Token(std::vector<std::string>{"offers", "face_recognition"})));
  ASSERT_FALSE(req);
  EXPECT_EQ(req.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(req.error().reason, "token-claims");
}

TEST_F(CheckInDeskTest, TheTokenIsVerifiedBeforeThePresenceCode) {
  CheckInInput input = App(Token());
  input.presence = PresenceCodeShown{"WRONGCDE"};
  EXPECT_EQ(desk_.Prepare(input).error().reason, "presence-code-invalid");
  EXPECT_EQ(desk_.Prepare(input).error().field, "/presence_code");
  input.credential = AppToken{"eyJhbGciOiJFUzI1NiJ9.eyJ4IjoxfQ.c2lnbmF0dXJl"};
  EXPECT_EQ(desk_.Prepare(input).error().reason, "token-signature");
}

TEST_F(CheckInDeskTest, TheWebPageAcceptsOlderPresenceCodesThanTheApp) {
  const std::string code = presence_.Current();
  world_.clock().Advance(std::chrono::seconds(90));  // three 30-s steps later
  CheckInInput web{.credential = Anonymous{}, .presence = PresenceCodeShown{code}};
  auto anonymous = desk_.Prepare(web);
  ASSERT_TRUE(anonymous) << anonymous.error().message;
  EXPECT_EQ(anonymous->channel, "web");
  EXPECT_TRUE(anonymous->subject_id.empty());  // the visit service draws one of its own
  CheckInInput app = App(Token());
  app.presence = PresenceCodeShown{code};
  EXPECT_EQ(desk_.Prepare(app).error().reason, "presence-code-invalid");
}

TEST_F(CheckInDeskTest, HistoryOnAnAnonymousWebVisitNeedsTheApp) {
  CheckInInput web{.credential = Anonymous{},
                   .presence = PresenceCodeShown{presence_.Current()},
                   .decisions = {{Purpose::kHistory, true}}};
  auto req = desk_.Prepare(web);
  ASSERT_FALSE(req);
  EXPECT_EQ(req.error().reason, "purpose-needs-app");
  EXPECT_TRUE(desk_.Prepare(App(Token(), {{Purpose::kHistory, true}})));
}

TEST_F(CheckInDeskTest, AProofThatDoesNotGoWithTheCredentialIsRefused) {
  CheckInInput scan_with_code{.credential = LoyaltyScan{Token()},
                              .presence = PresenceCodeShown{presence_.Current()}};
  EXPECT_EQ(desk_.Prepare(scan_with_code).error().code, ErrorCode::kInvalidArgument);
  CheckInInput app_by_scanner{.credential = AppToken{Token()}, .presence = ScannedHere{"kiosk"}};
  EXPECT_EQ(desk_.Prepare(app_by_scanner).error().code, ErrorCode::kInvalidArgument);
  CheckInInput scan_with_decisions{.credential = LoyaltyScan{Token()},
                                   .presence = ScannedHere{"kiosk"},
                                   .decisions = {{Purpose::kOffers, true}}};
  EXPECT_EQ(desk_.Prepare(scan_with_decisions).error().code, ErrorCode::kInvalidArgument);
}

TEST_F(CheckInDeskTest, ScannedTextThatIsNoJwtIsNotALoyaltyCode) {
  CheckInInput scan{.credential = LoyaltyScan{"4006381333931"}, .presence = ScannedHere{"kiosk"}};
  EXPECT_EQ(desk_.Prepare(scan).error().reason, "not-a-loyalty-code");
}

TEST_F(CheckInDeskTest, SubmitChecksInDurablyUnderThePseudonymAndRefusesAReplay) {
  const std::string token = Token(std::vector<std::string>{"offers"});
  auto r = Submit(App(token));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->visit.channel, "app");
  EXPECT_EQ(r->visit.subject_id, Subject());
  EXPECT_EQ(world_.StatusOf(Subject(), Purpose::kOffers).state, consent::ConsentState::kGranted);
  EXPECT_EQ(world_.database().Count("visits"), 1);

  auto again = Submit(App(token));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().reason, "token-replayed");
  EXPECT_EQ(world_.database().Count("visits"), 1);
}

TEST_F(CheckInDeskTest, ARefusalBeforeTheWriteAnswersAtOnceAndWritesNothing) {
  CheckInInput input = App(Token());
  input.presence = PresenceCodeShown{"WRONGCDE"};
  bool answered = false;
  desk_.Submit(std::move(input), [&answered](Result<CheckInResult> r) {
    EXPECT_FALSE(r);
    answered = true;
  });
  EXPECT_TRUE(answered);  // on this thread, before Submit returned
  EXPECT_EQ(world_.database().Count("visits"), 0);
}

}  // namespace
}  // namespace optin::visits::check_in_desk_test
