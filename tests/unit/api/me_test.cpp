// The shopper's own routes through ShopperApi's handlers, with the daemon's wiring and no
// sockets: consents and their receipts, renewal after a policy change, interests, access,
// ending the visit and erasure.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <mutex>
#include <set>
#include <string>

#include "platform/log.h"
#include "privacy/jws.h"
#include "tests/unit/api/api_fixture.h"

namespace optin::testing::me_test {
namespace {

using boost::json::array;
using boost::json::object;

class MeTest : public ApiFixture {
 protected:
  // Checks in a fresh shopper; returns the app token and keeps the visit token.
  std::string CheckedIn(object purposes = {}) {
    app_token_ = MintAppToken("app-user-42");
    Reply r = CheckIn(app_token_, std::move(purposes));
    EXPECT_EQ(r.status, 201) << r.raw_body;
    if (r.status == 201) {
      visit_token_ = std::string(r.obj().at("visit_token").as_string());
      visit_id_ = std::string(r.obj().at("visit").as_object().at("id").as_string());
    }
    return app_token_;
  }

  Reply GetReceipts(std::string_view token) {
    return Call(&api::ShopperApi::GetReceipts, MakeRequest("GET", "/v1/me/receipts", {}, token));
  }
  Reply EndVisit(std::string_view token) {
    return Call(&api::ShopperApi::EndVisit,
                MakeRequest("POST", "/v1/checkins/current/end", {}, token));
  }
  Reply DeleteMe(std::string_view token) {
    return Call(&api::ShopperApi::DeleteMe, MakeRequest("DELETE", "/v1/me", {}, token));
  }

  static std::set<std::string> Topics(const boost::json::value& interests) {
    std::set<std::string> out;
    for (const auto& i : interests.as_array()) {
      out.insert(std::string(i.as_object().at("topic").as_string()));
    }
    return out;
  }

  std::string app_token_;
  std::string visit_token_;
  std::string visit_id_;
};

// --- PUT /v1/me/consents/{purpose} ----------------------------------------------------------

TEST_F(MeTest, GrantingAConsentReturnsItsStateAndASignedReceipt) {
  CheckedIn();
  Reply r = PutConsent(app_token_, "offers", true);
  ASSERT_EQ(r.status, 200) << r.raw_body;
  EXPECT_EQ(r.obj().at("purpose").as_string(), "offers");
  EXPECT_EQ(r.obj().at("granted").as_bool(), true);
  EXPECT_EQ(StateOf(r.obj().at("purposes"), "offers"), "granted");
  EXPECT_TRUE(FindPurpose(r.obj().at("purposes"), "offers")->contains("expires_at"));
  const auto& receipt = r.obj().at("receipt").as_object();
  auto verified = privacy::VerifyJws(keys_->SigningPublicKey(), receipt.at("jws").as_string());
  ASSERT_TRUE(verified.has_value());
  const auto& changes = verified->payload.at("changes").as_array();
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].as_object().at("purposeId").as_string(), "offers");
  EXPECT_EQ(changes[0].as_object().at("state").as_string(), "granted");
}

TEST_F(MeTest, WithdrawingAConsentTakesEffectAtOnce) {
  CheckedIn({{"offers", true}});
  Reply r = PutConsent(visit_token_, "offers", false);
  ASSERT_EQ(r.status, 200) << r.raw_body;
  EXPECT_EQ(r.obj().at("granted").as_bool(), false);
  EXPECT_EQ(StateOf(r.obj().at("purposes"), "offers"), "withdrawn");
  Reply me = GetMe(app_token_);
  EXPECT_EQ(StateOf(me.obj().at("purposes"), "offers"), "withdrawn");
}

TEST_F(MeTest, ReceiptsAccumulateOnePerChangeAndAllVerify) {
  CheckedIn();
  ASSERT_EQ(PutConsent(app_token_, "offers", true).status, 200);
  ASSERT_EQ(PutConsent(app_token_, "assistance", true).status, 200);
  ASSERT_EQ(PutConsent(app_token_, "offers", false).status, 200);

  Reply r = GetReceipts(app_token_);
  ASSERT_EQ(r.status, 200) << r.raw_body;
  const auto& receipts = r.obj().at("receipts").as_array();
  ASSERT_EQ(receipts.size(), 4u);  // the check-in and three changes
  std::set<std::string> ids;
  for (const auto& rec : receipts) {
    const auto& o = rec.as_object();
    EXPECT_TRUE(SignedByDevice(o.at("jws").as_string()));
    ids.insert(std::string(o.at("id").as_string()));
  }
  EXPECT_EQ(ids.size(), 4u);
  EXPECT_EQ(r.obj().at("key_id").as_string(), keys_->SigningPublicKey().KeyId());
  // The last receipt records the withdrawal.
  const auto& last = receipts.back().as_object().at("payload").as_object();
  EXPECT_EQ(last.at("changes").as_array()[0].as_object().at("state").as_string(), "withdrawn");
  // The visit token sees the same receipts.
  EXPECT_EQ(GetReceipts(visit_token_).obj().at("receipts").as_array().size(), 4u);
}

TEST_F(MeTest, UnknownPurposeInThePathIs404) {
  CheckedIn();
  Reply r = PutConsent(app_token_, "xyz", true);
  EXPECT_EQ(r.status, 404) << r.raw_body;
  EXPECT_EQ(r.problem_reason(), "unknown-purpose");
  EXPECT_EQ(CountRows("receipts"), 1);
}

TEST_F(MeTest, NonBooleanGrantIs400NamingTheField) {
  CheckedIn();
  for (std::string body : {R"({"granted": "yes"})", R"({"granted": 1})", R"({})"}) {
    net::Request req = MakeRequest("PUT", "/v1/me/consents/offers", body, app_token_);
    req.params.emplace("purpose", "offers");
    Reply r = Call(&api::ShopperApi::PutConsent, std::move(req));
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_EQ(r.problem_field(), "/granted") << body;
  }
  EXPECT_EQ(CountRows("receipts"), 1);
}

TEST_F(MeTest, ConsentChangeWithoutTokenIs401) {
  CheckedIn();
  Reply r = PutConsent("", "offers", true);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.Header("WWW-Authenticate"), "Bearer");
  EXPECT_EQ(CountRows("receipts"), 1);
}

// --- Policy version change ------------------------------------------------------------------

TEST_F(MeTest, GrantsUnderAnOldPolicyNeedRenewalUntilGrantedAgain) {
  CheckedIn({{"offers", true}, {"history", true}});
  auto v2 = MakeStack("2");

  Reply me = GetMe(app_token_, v2.get());
  ASSERT_EQ(me.status, 200) << me.raw_body;
  EXPECT_EQ(me.obj().at("policy_version").as_string(), "2");
  std::set<std::string> renewal;
  for (const auto& p : me.obj().at("renewal_required").as_array()) {
    renewal.insert(std::string(p.as_string()));
  }
  EXPECT_EQ(renewal, (std::set<std::string>{"presence", "offers", "history"}));
  EXPECT_EQ(StateOf(me.obj().at("purposes"), "offers"), "needs_renewal");
  EXPECT_EQ(StateOf(me.obj().at("purposes"), "history"), "needs_renewal");
  EXPECT_EQ(StateOf(me.obj().at("purposes"), "assistance"), "not_asked");

  // Under the old policy nothing needs renewing.
  EXPECT_TRUE(GetMe(app_token_).obj().at("renewal_required").as_array().empty());

  Reply regrant = PutConsent(app_token_, "offers", true, v2.get());
  ASSERT_EQ(regrant.status, 200) << regrant.raw_body;
  EXPECT_EQ(StateOf(regrant.obj().at("purposes"), "offers"), "granted");
  const auto& still = regrant.obj().at("renewal_required").as_array();
  EXPECT_EQ(std::count(still.begin(), still.end(), boost::json::value("offers")), 0);
  EXPECT_EQ(std::count(still.begin(), still.end(), boost::json::value("history")), 1);

  ASSERT_EQ(PutConsent(app_token_, "presence", true, v2.get()).status, 200);
  ASSERT_EQ(PutConsent(app_token_, "history", true, v2.get()).status, 200);
  Reply after = GetMe(app_token_, v2.get());
  EXPECT_TRUE(after.obj().at("renewal_required").as_array().empty()) << after.raw_body;
  const auto* offers = FindPurpose(after.obj().at("purposes"), "offers");
  ASSERT_NE(offers, nullptr);
  EXPECT_EQ(offers->at("state").as_string(), "granted");
  EXPECT_EQ(offers->at("policy_version").as_string(), "2");
}

// --- PUT /v1/me/interests -------------------------------------------------------------------

TEST_F(MeTest, InterestsAreRefusedWithoutOffersOrHistory) {
  CheckedIn();
  Reply r = PutInterests(app_token_, array{"running"});
  EXPECT_EQ(r.status, 403) << r.raw_body;
  EXPECT_EQ(r.problem_reason(), "consent-required");
  EXPECT_EQ(CountRows("interests"), 0);
  EXPECT_TRUE(GetMe(app_token_).obj().at("interests").as_array().empty());
}

TEST_F(MeTest, InterestsAreStoredAfterGrantingOffers) {
  CheckedIn();
  ASSERT_EQ(PutConsent(app_token_, "offers", true).status, 200);
  Reply r = PutInterests(visit_token_,
                         array{object{{"topic", "running"}, {"expertise", "beginner"}}, "hiking"});
  ASSERT_EQ(r.status, 200) << r.raw_body;
  EXPECT_EQ(Topics(r.obj().at("interests")), (std::set<std::string>{"running", "hiking"}));

  Reply me = GetMe(app_token_);
  const auto& held = me.obj().at("interests");
  EXPECT_EQ(Topics(held), (std::set<std::string>{"running", "hiking"}));
  for (const auto& i : held.as_array()) {
    if (i.as_object().at("topic") == "running") {
      EXPECT_EQ(i.as_object().at("expertise").as_string(), "beginner");
    }
  }
}

TEST_F(MeTest, PuttingInterestsReplacesTheEarlierList) {
  CheckedIn({{"offers", true}});
  ASSERT_EQ(PutInterests(app_token_, array{"running", "yoga"}).status, 200);
  ASSERT_EQ(PutInterests(app_token_, array{"cycling"}).status, 200);
  EXPECT_EQ(Topics(GetMe(app_token_).obj().at("interests")), (std::set<std::string>{"cycling"}));
}

TEST_F(MeTest, UnknownTopicIs400WithFieldPointer) {
  CheckedIn({{"offers", true}});
  Reply r = PutInterests(app_token_, array{"running", object{{"topic", "knitting"}}});
  EXPECT_EQ(r.status, 400) << r.raw_body;
  EXPECT_EQ(r.problem_field(), "/interests/1/topic");
  EXPECT_EQ(CountRows("interests"), 0);
}

TEST_F(MeTest, BadExpertiseAndUnknownMembersAre400WithFieldPointer) {
  CheckedIn({{"offers", true}});
  Reply expertise =
      PutInterests(app_token_, array{object{{"topic", "yoga"}, {"expertise", "guru"}}});
  EXPECT_EQ(expertise.status, 400);
  EXPECT_EQ(expertise.problem_field(), "/interests/0/expertise");
  Reply member = PutInterests(app_token_, array{"yoga", object{{"topic", "hiking"}, {"lvl", 1}}});
  EXPECT_EQ(member.status, 400);
  EXPECT_EQ(member.problem_field(), "/interests/1/lvl");
  Reply not_list =
      Call(&api::ShopperApi::PutInterests,
           MakeRequest("PUT", "/v1/me/interests", R"({"interests": "yoga"})", app_token_));
  EXPECT_EQ(not_list.status, 400);
  EXPECT_EQ(not_list.problem_field(), "/interests");
}

TEST_F(MeTest, ForbiddenFieldInInterestsIs422AndNothingIsStored) {
  CheckedIn({{"offers", true}});
  Reply r = PutInterests(app_token_, array{object{{"topic", "yoga"}, {"gender", "f"}}});
  EXPECT_EQ(r.status, 422) << r.raw_body;
  EXPECT_EQ(r.problem_field(), "/interests/0/gender");
  EXPECT_EQ(CountRows("interests"), 0);
}

TEST_F(MeTest, WithdrawingOffersDeletesInterests) {
  CheckedIn({{"offers", true}});
  ASSERT_EQ(PutInterests(app_token_, array{"running", "yoga"}).status, 200);
  ASSERT_EQ(CountRows("interests"), 2);

  ASSERT_EQ(PutConsent(app_token_, "offers", false).status, 200);
  EXPECT_TRUE(GetMe(app_token_).obj().at("interests").as_array().empty());
  EXPECT_EQ(CountRows("interests"), 0);
}

TEST_F(MeTest, InterestsSurviveWithdrawingOffersWhileHistoryIsGranted) {
  CheckedIn({{"offers", true}, {"history", true}});
  ASSERT_EQ(PutInterests(app_token_, array{"running"}).status, 200);
  ASSERT_EQ(PutConsent(app_token_, "offers", false).status, 200);
  EXPECT_EQ(Topics(GetMe(app_token_).obj().at("interests")), (std::set<std::string>{"running"}));
}

// --- GET /v1/me -----------------------------------------------------------------------------

TEST_F(MeTest, AccessShowsEverythingHeldWithTheAppToken) {
  CheckedIn({{"offers", true}});
  ASSERT_EQ(PutInterests(app_token_, array{"hiking"}).status, 200);

  Reply r = GetMe(app_token_);
  ASSERT_EQ(r.status, 200) << r.raw_body;
  const auto& me = r.obj();
  for (const char* key :
       {"subject", "consents", "receipts", "visits", "interests", "access_log", "current_visit",
        "purposes", "renewal_required", "policy_version", "store_id"}) {
    EXPECT_TRUE(me.contains(key)) << key;
  }
  EXPECT_EQ(me.at("store_id").as_string(), kTestStoreId);
  EXPECT_EQ(StateOf(me.at("consents"), "offers"), "granted");
  EXPECT_EQ(StateOf(me.at("consents"), "presence"), "granted");
  EXPECT_EQ(me.at("receipts").as_array().size(), 1u);
  ASSERT_EQ(me.at("visits").as_array().size(), 1u);
  EXPECT_EQ(me.at("visits").as_array()[0].as_object().at("id").as_string(), visit_id_);
  EXPECT_EQ(me.at("current_visit").as_object().at("id").as_string(), visit_id_);
  EXPECT_EQ(Topics(me.at("interests")), (std::set<std::string>{"hiking"}));
  EXPECT_FALSE(me.at("subject").as_object().at("known_since").is_null());

  std::set<std::string> events;
  for (const auto& e : me.at("access_log").as_array()) {
    events.insert(std::string(e.as_object().at("event").as_string()));
  }
  EXPECT_TRUE(events.contains("consent.changed")) << r.raw_body;
  // Neither the raw app id nor the bearer tokens are in the export.
  EXPECT_EQ(r.raw_body.find("app-user-42"), std::string::npos);
  EXPECT_EQ(r.raw_body.find(visit_token_), std::string::npos);
}

TEST_F(MeTest, AccessWithTheVisitTokenShowsTheSameSubject) {
  CheckedIn({{"assistance", true}});
  Reply by_app = GetMe(app_token_);
  Reply by_visit = GetMe(visit_token_);
  ASSERT_EQ(by_app.status, 200);
  ASSERT_EQ(by_visit.status, 200) << by_visit.raw_body;
  EXPECT_EQ(by_visit.obj().at("subject"), by_app.obj().at("subject"));
  EXPECT_EQ(by_visit.obj().at("consents"), by_app.obj().at("consents"));
  EXPECT_EQ(by_visit.obj().at("current_visit").as_object().at("id").as_string(), visit_id_);
  EXPECT_EQ(StateOf(by_visit.obj().at("purposes"), "assistance"), "granted");
}

TEST_F(MeTest, DownloadAsksForAnAttachment) {
  CheckedIn();
  Reply r = Call(&api::ShopperApi::GetMe, MakeRequest("GET", "/v1/me?download=1", {}, app_token_));
  ASSERT_EQ(r.status, 200);
  EXPECT_NE(r.Header("Content-Disposition").find("attachment"), std::string::npos);
  EXPECT_EQ(GetMe(app_token_).Header("Content-Disposition"), "");
}

TEST_F(MeTest, ForbiddenQueryParameterIs422) {
  CheckedIn();
  Reply r = Call(&api::ShopperApi::GetMe, MakeRequest("GET", "/v1/me?age=30", {}, app_token_));
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.problem_field(), "?age");
}

TEST_F(MeTest, UnknownVisitTokenIs401) {
  Reply r = GetMe("vt_not-a-real-token");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.problem_reason(), "visit-token-invalid");
}

// --- POST /v1/checkins/current/end ----------------------------------------------------------

TEST_F(MeTest, EndingTheVisitInvalidatesTheVisitToken) {
  CheckedIn({{"offers", true}});
  ASSERT_EQ(GetMe(visit_token_).status, 200);

  Reply end = EndVisit(visit_token_);
  ASSERT_EQ(end.status, 200) << end.raw_body;
  EXPECT_EQ(end.obj().at("visit").as_object().at("id").as_string(), visit_id_);
  EXPECT_EQ(end.obj().at("visit").as_object().at("ended_at").as_int64(), clock_.NowUnix());

  Reply after = GetMe(visit_token_);
  EXPECT_EQ(after.status, 401);
  EXPECT_EQ(after.problem_reason(), "visit-token-invalid");
  EXPECT_EQ(PutConsent(visit_token_, "offers", false).status, 401);

  // The app token still works and shows no visit in progress.
  Reply me = GetMe(app_token_);
  ASSERT_EQ(me.status, 200);
  EXPECT_TRUE(me.obj().at("current_visit").is_null());
  EXPECT_EQ(EndVisit(app_token_).status, 404);
}

TEST_F(MeTest, EndingTheVisitWithoutHistoryForgetsInterests) {
  CheckedIn({{"offers", true}});
  ASSERT_EQ(PutInterests(app_token_, array{"yoga"}).status, 200);
  ASSERT_EQ(EndVisit(app_token_).status, 200);
  EXPECT_EQ(CountRows("interests"), 0);
}

// --- DELETE /v1/me --------------------------------------------------------------------------

TEST_F(MeTest, ErasureReturnsCountsAndAVerifiableReceiptThenNothingIsHeld) {
  CheckedIn({{"offers", true}, {"history", true}});
  ASSERT_EQ(PutInterests(app_token_, array{"running", "yoga"}).status, 200);
  ASSERT_EQ(PutConsent(app_token_, "assistance", true).status, 200);

  Reply r = DeleteMe(app_token_);
  ASSERT_EQ(r.status, 200) << r.raw_body;
  const auto& deleted = r.obj().at("deleted").as_object();
  EXPECT_EQ(deleted.at("subjects").as_int64(), 1);
  EXPECT_EQ(deleted.at("visits").as_int64(), 1);
  EXPECT_EQ(deleted.at("consents").as_int64(), 4);  // presence, offers, history, assistance
  EXPECT_EQ(deleted.at("receipts").as_int64(), 2);
  EXPECT_EQ(deleted.at("interests").as_int64(), 2);
  EXPECT_EQ(r.obj().at("erased_at").as_int64(), clock_.NowUnix());

  const std::string jws(r.obj().at("receipt").as_object().at("jws").as_string());
  auto verified = privacy::VerifyJws(keys_->SigningPublicKey(), jws);
  ASSERT_TRUE(verified.has_value()) << verified.error().message;
  EXPECT_EQ(verified->header.at("typ").as_string(), "erasure-receipt+jws");
  EXPECT_EQ(verified->payload.at("deleted").as_object(), deleted);
  EXPECT_EQ(verified->payload.at("controller").as_string(), kTestStoreId);

  for (const char* t : {"subjects", "visits", "consents", "receipts", "interests"}) {
    EXPECT_EQ(CountRows(t), 0) << t;
  }

  Reply me = GetMe(app_token_);
  ASSERT_EQ(me.status, 200) << me.raw_body;
  for (const auto& c : me.obj().at("consents").as_array()) {
    EXPECT_NE(c.as_object().at("state").as_string(), "granted") << me.raw_body;
  }
  for (const auto& p : me.obj().at("purposes").as_array()) {
    EXPECT_EQ(p.as_object().at("state").as_string(), "not_asked");
  }
  EXPECT_TRUE(me.obj().at("visits").as_array().empty());
  EXPECT_TRUE(me.obj().at("receipts").as_array().empty());
  EXPECT_TRUE(me.obj().at("interests").as_array().empty());
  EXPECT_TRUE(me.obj().at("access_log").as_array().empty());
  EXPECT_TRUE(me.obj().at("current_visit").is_null());
  EXPECT_TRUE(me.obj().at("subject").as_object().at("known_since").is_null());

  EXPECT_EQ(GetMe(visit_token_).status, 401);
}

TEST_F(MeTest, ErasureReceiptCarriesNoIdentifier) {
  CheckedIn();
  Reply before = GetMe(app_token_);
  const std::string subject(before.obj().at("subject").as_object().at("pseudonym").as_string());
  Reply r = DeleteMe(visit_token_);
  ASSERT_EQ(r.status, 200) << r.raw_body;
  auto parsed = privacy::ParseJws(r.obj().at("receipt").as_object().at("jws").as_string());
  ASSERT_TRUE(parsed.has_value());
  const std::string payload = boost::json::serialize(parsed->payload);
  EXPECT_EQ(payload.find(subject), std::string::npos);
  EXPECT_EQ(payload.find(visit_id_), std::string::npos);
  EXPECT_EQ(r.raw_body.find(subject), std::string::npos);
}

TEST_F(MeTest, ErasureLeavesOtherShoppersAlone) {
  CheckedIn({{"offers", true}});
  const std::string other = MintAppToken("someone-else");
  ASSERT_EQ(CheckIn(other, {{"history", true}}).status, 201);

  ASSERT_EQ(DeleteMe(app_token_).status, 200);
  EXPECT_EQ(CountRows("subjects"), 1);
  Reply me = GetMe(other);
  EXPECT_EQ(StateOf(me.obj().at("consents"), "history"), "granted");
  EXPECT_EQ(me.obj().at("visits").as_array().size(), 1u);
}

TEST_F(MeTest, ErasureWithoutTokenIs401AndDeletesNothing) {
  CheckedIn();
  EXPECT_EQ(DeleteMe("").status, 401);
  EXPECT_EQ(CountRows("subjects"), 1);
}

// --- Logs (PRODUCT.md line 10) -------------------------------------------------------------

TEST_F(MeTest, NothingPersonalReachesTheLogs) {
  std::mutex mu;
  std::string logged;
  platform::log::SetSink([&](std::string_view line) {
    std::lock_guard lock(mu);
    logged.append(line).push_back('\n');
  });
  CheckedIn({{"offers", true}, {"name_to_staff", true}});
  ASSERT_EQ(PutInterests(visit_token_, array{"yoga"}).status, 200);
  Reply me = GetMe(app_token_);
  const std::string subject(me.obj().at("subject").as_object().at("pseudonym").as_string());
  const std::string pseudonym(me.obj().at("current_visit").as_object().at("pseudonym").as_string());
  EXPECT_EQ(PutConsent(app_token_, "xyz", true).status, 404);
  EXPECT_EQ(GetMe("vt_wrong").status, 401);
  ASSERT_EQ(EndVisit(visit_token_).status, 200);
  ASSERT_EQ(DeleteMe(app_token_).status, 200);
  platform::log::SetSink({});

  std::lock_guard lock(mu);
  EXPECT_NE(logged.find("checkin.accepted"), std::string::npos) << "the sink saw no lines";
  for (const std::string& secret :
       {std::string("app-user-42"), app_token_, visit_token_, subject, pseudonym, visit_id_}) {
    EXPECT_EQ(logged.find(secret), std::string::npos) << secret << " was logged:\n" << logged;
  }
}

}  // namespace
}  // namespace optin::testing::me_test
