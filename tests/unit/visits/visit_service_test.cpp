#include "visits/visit_service.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <string>
#include <vector>

#include "platform/encoding.h"
#include "privacy/audit_log.h"
#include "privacy/data_rights.h"
#include "privacy/jws.h"
#include "tests/support/domain_fixture.h"

namespace optin::visits::visit_service_test {
namespace {

using consent::Purpose;
using optin::testing::ReasonOf;
using optin::testing::ValueOrDie;
using optin::testing::VisitsWorld;

std::string Upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](char c) {
    return static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  });
  return s;
}

class VisitServiceTest : public ::testing::Test {
 protected:
  VisitServiceTest() {
    world_.visits().AddEndHook([this](store::Connection&, const Visit& v) -> Status {
      ended_.push_back(v);
      return Ok();
    });
  }
  CheckInResult CheckIn(std::string_view subject, std::string_view jti,
                        std::vector<consent::ConsentChange> decisions = {}) {
    return ValueOrDie(world_.CheckIn(subject, jti, std::move(decisions)), "check in");
  }
  bool May(std::string_view subject, Purpose p) {
    return ValueOrDie(world_.MayProcess(subject, p), "may process");
  }
  Status End(const Visit& v) {
    return world_.database().Write([&](store::Connection& c) { return world_.visits().End(c, v); });
  }
  int64_t Purge() {
    return ValueOrDie(
        world_.database().Write([&](store::Connection& c) { return world_.visits().Purge(c); }),
        "purge");
  }
  std::optional<Visit> Active(std::string_view subject) {
    return ValueOrDie(world_.database().Read([&](store::Connection& c) {
      return world_.visits().ActiveForSubject(c, subject);
    }),
                      "active");
  }

  VisitsWorld world_;
  std::vector<Visit> ended_;
  const std::string subject_ = world_.Subject("loyalty-1");
  const std::string other_ = world_.Subject("loyalty-2");
};

TEST_F(VisitServiceTest, CheckInCreatesSubjectVisitAndGrantsPresenceAndTheDecisions) {
  const int64_t now = world_.clock().NowUnix();
  CheckInResult r =
      CheckIn(subject_, "jti-1", {{Purpose::kOffers, true}, {Purpose::kAssistance, false}});
  EXPECT_EQ(world_.database().Count("subjects", "id = ?", subject_), 1);
  EXPECT_EQ(world_.database().Count("visits", "subject_id = ?", subject_), 1);

  EXPECT_TRUE(r.visit.id.starts_with("v_")) << r.visit.id;
  EXPECT_EQ(r.visit.subject_id, subject_);
  EXPECT_EQ(r.visit.channel, "app");
  EXPECT_FALSE(r.visit.pseudonym.empty());
  EXPECT_EQ(r.visit.started_at, now);
  EXPECT_EQ(r.visit.expires_at, now + world_.visits().policy().max_duration.count());
  EXPECT_FALSE(r.visit.ended_at);
  EXPECT_TRUE(r.visit_token.starts_with("vt_")) << r.visit_token;
  EXPECT_GE(r.visit_token.size(), 40u);

  EXPECT_TRUE(May(subject_, Purpose::kPresence));
  EXPECT_TRUE(May(subject_, Purpose::kOffers));
  EXPECT_FALSE(May(subject_, Purpose::kAssistance));
  EXPECT_EQ(world_.StatusOf(subject_, Purpose::kAssistance).state,
            consent::ConsentState::kWithdrawn);

  auto receipt = privacy::VerifyJws(world_.keys().public_key(), r.receipt.jws);
  ASSERT_TRUE(receipt) << receipt.error().message;
  EXPECT_EQ(receipt->payload.at("collectionMethod"), "app check-in");
  EXPECT_EQ(receipt->payload.at("piiPrincipalId").as_string(), subject_);
  EXPECT_EQ(world_.database().Count("receipts", "subject_id = ?", subject_), 1);
}

TEST_F(VisitServiceTest, CheckingInAlwaysGrantsPresence) {
  CheckIn(subject_, "jti-1", {{Purpose::kPresence, false}, {Purpose::kHistory, true}});
  EXPECT_TRUE(May(subject_, Purpose::kPresence));
  EXPECT_TRUE(May(subject_, Purpose::kHistory));
}

TEST_F(VisitServiceTest, OtherChannelsAreNamedInTheReceipt) {
  auto r = world_.CheckIn(subject_, "jti-1", {}, "loyalty_scan");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->visit.channel, "loyalty_scan");
  EXPECT_EQ(r->receipt.payload.at("collectionMethod"), "loyalty_scan check-in");
}

TEST_F(VisitServiceTest, ReplayedTokenIdIsRefusedAndLeavesTheDatabaseUnchanged) {
  CheckIn(subject_, "jti-1");
  const std::string before = world_.database().Snapshot();
  world_.clock().Advance(std::chrono::seconds(5));
  auto replay = world_.CheckIn(subject_, "jti-1", {{Purpose::kOffers, true}});
  ASSERT_FALSE(replay);
  EXPECT_EQ(replay.error().code, ErrorCode::kConflict);
  EXPECT_EQ(replay.error().reason, "token-replayed");
  // Even for another subject: the token id is spent.
  EXPECT_EQ(ReasonOf(world_.CheckIn(other_, "jti-1")), "token-replayed");
  EXPECT_EQ(world_.database().Snapshot(), before);
  EXPECT_FALSE(May(subject_, Purpose::kOffers));
}

TEST_F(VisitServiceTest, SecondCheckInEndsTheFirstVisit) {
  CheckInResult first = CheckIn(subject_, "jti-1");
  world_.clock().Advance(std::chrono::minutes(10));
  CheckInResult second = CheckIn(subject_, "jti-2");
  EXPECT_NE(first.visit.id, second.visit.id);
  EXPECT_NE(first.visit_token, second.visit_token);
  EXPECT_EQ(world_.database().Count("visits", "subject_id = ? AND ended_at IS NULL", subject_), 1);
  EXPECT_EQ(world_.database().Count("visits", "id = ? AND ended_at = ?", first.visit.id,
                                    world_.clock().NowUnix()),
            1);
  ASSERT_EQ(ended_.size(), 1u);
  EXPECT_EQ(ended_[0].id, first.visit.id);
  EXPECT_EQ(ReasonOf(world_.FindByToken(first.visit_token)), "visit-token-invalid");
  EXPECT_EQ(ValueOrDie(world_.FindByToken(second.visit_token), "find").id, second.visit.id);
  EXPECT_EQ(Active(subject_)->id, second.visit.id);
}

TEST_F(VisitServiceTest, FindByTokenReturnsTheActiveVisit) {
  CheckInResult r = CheckIn(subject_, "jti-1");
  CheckIn(other_, "jti-2");
  auto found = world_.FindByToken(r.visit_token);
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_EQ(found->id, r.visit.id);
  EXPECT_EQ(found->subject_id, subject_);
  EXPECT_EQ(found->pseudonym, r.visit.pseudonym);
  EXPECT_EQ(found->expires_at, r.visit.expires_at);
}

TEST_F(VisitServiceTest, FindByTokenRefusesAnEndedVisit) {
  CheckInResult r = CheckIn(subject_, "jti-1");
  ASSERT_TRUE(End(r.visit));
  auto found = world_.FindByToken(r.visit_token);
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(found.error().reason, "visit-token-invalid");
}

TEST_F(VisitServiceTest, FindByTokenRefusesAnExpiredVisit) {
  CheckInResult r = CheckIn(subject_, "jti-1");
  world_.clock().Advance(world_.visits().policy().max_duration - std::chrono::seconds(1));
  EXPECT_TRUE(world_.FindByToken(r.visit_token));
  world_.clock().Advance(std::chrono::seconds(1));
  EXPECT_EQ(ReasonOf(world_.FindByToken(r.visit_token)), "visit-token-invalid");
  EXPECT_FALSE(Active(subject_));
}

TEST_F(VisitServiceTest, FindByTokenRefusesUnknownTokens) {
  CheckInResult r = CheckIn(subject_, "jti-1");
  std::string altered = r.visit_token;
  altered.back() = altered.back() == 'A' ? 'B' : 'A';
  for (const std::string& bad : {altered, std::string("vt_unknown"), std::string(""),
                                 r.visit_token.substr(3), "vt_" + std::string(200, 'a')}) {
    EXPECT_EQ(ReasonOf(world_.FindByToken(bad)), "visit-token-invalid") << bad;
  }
}

TEST_F(VisitServiceTest, RawVisitTokenAndTokenIdAreNeverStored) {
  CheckInResult r = CheckIn(subject_, "jti-secret-123");
  const std::string random_part = r.visit_token.substr(3);
  auto rows = ValueOrDie(world_.database().Read([](store::Connection& c) {
    return optin::testing::ProductDatabase::RowsAsText(c, "visits");
  }),
                         "visits rows");
  ASSERT_EQ(rows.size(), 1u);
  const std::string snapshot = world_.database().Snapshot();
  for (const std::string& haystack : {rows[0], snapshot}) {
    EXPECT_EQ(haystack.find(random_part), std::string::npos);
    EXPECT_EQ(haystack.find(Upper(platform::HexEncode(r.visit_token))), std::string::npos);
    EXPECT_EQ(haystack.find(Upper(platform::HexEncode(random_part))), std::string::npos);
    EXPECT_EQ(haystack.find("jti-secret-123"), std::string::npos);
  }
  EXPECT_NE(rows[0].find(r.visit.id), std::string::npos);  // control: the row is the visit
}

TEST_F(VisitServiceTest, EndRunsTheEndHooksOnce) {
  CheckInResult r = CheckIn(subject_, "jti-1");
  world_.clock().Advance(std::chrono::minutes(20));
  ASSERT_TRUE(End(r.visit));
  ASSERT_EQ(ended_.size(), 1u);
  EXPECT_EQ(ended_[0].id, r.visit.id);
  EXPECT_EQ(ended_[0].ended_at, world_.clock().NowUnix());
  EXPECT_EQ(world_.database().Count("visits", "id = ? AND ended_at = ?", r.visit.id,
                                    world_.clock().NowUnix()),
            1);
  // Ending again (even from a stale copy) changes nothing and runs no hook.
  ASSERT_TRUE(End(r.visit));
  EXPECT_EQ(ended_.size(), 1u);
}

TEST_F(VisitServiceTest, FailingEndHookLeavesTheVisitOpen) {
  CheckInResult r = CheckIn(subject_, "jti-1");
  world_.visits().AddEndHook([](store::Connection&, const Visit&) -> Status {
    return Fail(ErrorCode::kInternal, "hook refused", {}, "hook-failed");
  });
  EXPECT_EQ(ReasonOf(End(r.visit)), "hook-failed");
  EXPECT_TRUE(world_.FindByToken(r.visit_token));
}

TEST_F(VisitServiceTest, PurgeEndsOverdueVisitsAndRunsTheirHooks) {
  CheckInResult r = CheckIn(subject_, "jti-1");
  world_.clock().Advance(world_.visits().policy().max_duration + std::chrono::minutes(5));
  Purge();
  ASSERT_EQ(ended_.size(), 1u);
  EXPECT_EQ(ended_[0].id, r.visit.id);
  // A visit ends at its expiry, not when the purge happened to run.
  EXPECT_EQ(
      world_.database().Count("visits", "id = ? AND ended_at = ?", r.visit.id, r.visit.expires_at),
      1);
}

TEST_F(VisitServiceTest, PurgeDeletesEndedVisitsPastRetentionWithoutHistory) {
  CheckInResult r = CheckIn(subject_, "jti-1");
  ASSERT_TRUE(End(r.visit));
  world_.clock().Advance(world_.visits().policy().ended_retention - std::chrono::seconds(1));
  Purge();
  EXPECT_EQ(world_.database().Count("visits", "id = ?", r.visit.id), 1);
  world_.clock().Advance(std::chrono::seconds(1));
  EXPECT_GE(Purge(), 1);
  EXPECT_EQ(world_.database().Count("visits", "id = ?", r.visit.id), 0);
}

TEST_F(VisitServiceTest, PurgeKeepsEndedVisitsUnderHistoryUntilTheHistoryRetention) {
  CheckInResult r = CheckIn(subject_, "jti-1", {{Purpose::kHistory, true}});
  ASSERT_TRUE(End(r.visit));
  world_.clock().Advance(world_.visits().policy().ended_retention + std::chrono::hours(1));
  Purge();
  EXPECT_EQ(world_.database().Count("visits", "id = ?", r.visit.id), 1);
  world_.clock().Advance(world_.visits().policy().history_retention);
  Purge();
  EXPECT_EQ(world_.database().Count("visits", "id = ?", r.visit.id), 0);
}

TEST_F(VisitServiceTest, AnonymousWebVisitGetsASubjectOfItsOwnAndUsesNoTokenId) {
  CheckInRequest req;
  req.channel = "web";
  req.decisions = {{Purpose::kOffers, true}};
  auto r = world_.database().Write(
      [&](store::Connection& c) { return world_.visits().CheckIn(c, req); });
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->visit.channel, "web");
  EXPECT_FALSE(r->visit.subject_id.empty());
  EXPECT_EQ(world_.database().Count("used_token_ids"), 0);
  EXPECT_TRUE(May(r->visit.subject_id, Purpose::kOffers));
  // Only the web page checks in without a subject.
  req.channel = "app";
  auto refused = world_.database().Write(
      [&](store::Connection& c) { return world_.visits().CheckIn(c, req); });
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().reason, "anonymous-check-in");
}

TEST_F(VisitServiceTest, PurgeDeletesAnAnonymousWebSubjectWholeOnceItsVisitIsLongOver) {
  CheckInRequest req;
  req.channel = "web";
  req.decisions = {{Purpose::kOffers, true}, {Purpose::kAssistance, true}};
  auto r = world_.database().Write(
      [&](store::Connection& c) { return world_.visits().CheckIn(c, req); });
  ASSERT_TRUE(r.has_value()) << r.error().message;
  const std::string web_subject = r->visit.subject_id;
  CheckInResult app = CheckIn(subject_, "jti-1", {{Purpose::kOffers, true}});
  ASSERT_TRUE(End(r->visit));
  ASSERT_TRUE(End(app.visit));
  world_.clock().Advance(world_.visits().policy().ended_retention - std::chrono::seconds(1));
  Purge();
  EXPECT_EQ(world_.database().Count("subjects", "id = ?", web_subject), 1);
  world_.clock().Advance(std::chrono::seconds(1));
  Purge();
  // Even with purposes granted, nobody can come back to it: it is gone whole.
  EXPECT_EQ(world_.database().Count("subjects", "id = ?", web_subject), 0);
  EXPECT_EQ(world_.database().Count("consents", "subject_id = ?", web_subject), 0);
  EXPECT_EQ(world_.database().Count("receipts", "subject_id = ?", web_subject), 0);
  // An app shopper's grants keep their subject (they can come back with the app).
  EXPECT_EQ(world_.database().Count("subjects", "id = ?", subject_), 1);
}

TEST_F(VisitServiceTest, AnAnonymousWebCheckInCannotGrantHistory) {
  CheckInRequest req;
  req.channel = "web";
  req.decisions = {{Purpose::kOffers, true}, {Purpose::kHistory, true}};
  const auto before = world_.database().Count("consents");
  auto r = world_.database().Write(
      [&](store::Connection& c) { return world_.visits().CheckIn(c, req); });
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().reason, "purpose-needs-app");
  EXPECT_EQ(r.error().field, "/purposes/history");
  EXPECT_EQ(world_.database().Count("consents"), before);
  req.decisions = {{Purpose::kHistory, false}};
  EXPECT_TRUE(world_.database()
                  .Write([&](store::Connection& c) { return world_.visits().CheckIn(c, req); })
                  .has_value())
      << "declining history is fine";
}

TEST_F(VisitServiceTest, PurgeDeletesVisitsOnceHistoryIsWithdrawn) {
  CheckInResult r = CheckIn(subject_, "jti-1", {{Purpose::kHistory, true}});
  ASSERT_TRUE(End(r.visit));
  ASSERT_TRUE(world_.Withdraw(subject_, {Purpose::kHistory}));
  world_.clock().Advance(world_.visits().policy().ended_retention + std::chrono::hours(1));
  Purge();
  EXPECT_EQ(world_.database().Count("visits", "id = ?", r.visit.id), 0);
}

TEST_F(VisitServiceTest, PurgeForgetsTokenIdsAnHourAfterTheyExpire) {
  CheckIn(subject_, "jti-1");  // the token expires 600 s from now
  world_.clock().Advance(std::chrono::seconds(600 + 3600));
  Purge();
  EXPECT_EQ(world_.database().Count("used_token_ids"), 1);
  world_.clock().Advance(std::chrono::seconds(1));
  Purge();
  EXPECT_EQ(world_.database().Count("used_token_ids"), 0);
}

TEST_F(VisitServiceTest, PurgeDeletesSubjectsWithNothingGrantedAndNoVisits) {
  CheckInResult kept = CheckIn(subject_, "jti-1");
  CheckInResult gone = CheckIn(other_, "jti-2");
  ASSERT_TRUE(End(kept.visit));
  ASSERT_TRUE(End(gone.visit));
  ASSERT_TRUE(world_.Withdraw(other_, {Purpose::kPresence}));
  world_.clock().Advance(world_.visits().policy().ended_retention + std::chrono::hours(1));
  Purge();
  EXPECT_EQ(world_.database().Count("visits"), 0);
  // subject_ still grants presence, so the subject (and its consents) stay.
  EXPECT_EQ(world_.database().Count("subjects", "id = ?", subject_), 1);
  EXPECT_EQ(world_.database().Count("subjects", "id = ?", other_), 0);
  EXPECT_EQ(world_.database().Count("consents", "subject_id = ?", other_), 0);
  EXPECT_EQ(world_.database().Count("receipts", "subject_id = ?", other_), 0);
}

TEST_F(VisitServiceTest, PurgeIsAuditedOnlyWhenItDidSomething) {
  CheckIn(subject_, "jti-1");
  const int64_t entries = world_.database().Count("audit_log");
  EXPECT_EQ(Purge(), 0);
  EXPECT_EQ(world_.database().Count("audit_log"), entries);
  world_.clock().Advance(std::chrono::days(2));
  EXPECT_GT(Purge(), 0);
  EXPECT_EQ(world_.database().Count("audit_log", "kind = 'retention.purged'"), 1);
  auto v = ValueOrDie(
      world_.database().Read([](store::Connection& c) { return privacy::AuditLog::Verify(c); }),
      "verify");
  EXPECT_TRUE(v.intact) << v.problem;
}

TEST_F(VisitServiceTest, ErasureEndsTheOpenVisitAndLeavesNothingOfTheSubject) {
  // Deliberately only the consent and visit records (this module's view), not the daemon's
  // registrations (DomainWorld): visits_tests link no offers or assist code.
  privacy::DataRights rights;
  rights.Register(world_.ledger().consent_records());
  rights.Register(world_.ledger().receipt_records());
  rights.Register(world_.visits().records());
  CheckInResult r = CheckIn(subject_, "jti-1", {{Purpose::kOffers, true}});
  CheckIn(other_, "jti-2");
  auto exported = ValueOrDie(
      world_.database().Read([&](store::Connection& c) { return rights.Export(c, subject_); }),
      "export");
  EXPECT_EQ(exported.at("visits").as_array().size(), 1u);
  EXPECT_EQ(exported.at("receipts").as_array().size(), 1u);
  EXPECT_FALSE(exported.at("access_log").as_array().empty());

  auto summary = world_.database().Write(
      [&](store::Connection& c) { return rights.Erase(c, subject_, world_.clock().NowUnix()); },
      store::WriteOptions{.checkpoint_after = true});
  ASSERT_TRUE(summary) << summary.error().message;
  EXPECT_EQ(summary->deleted.at("visits"), 1);
  EXPECT_EQ(summary->deleted.at("consents"), 2);
  EXPECT_EQ(summary->deleted.at("receipts"), 1);
  ASSERT_EQ(ended_.size(), 1u);  // the end hooks ran (help requests retracted)
  EXPECT_EQ(ended_[0].id, r.visit.id);
  EXPECT_EQ(world_.database().Snapshot().find(subject_), std::string::npos);
  EXPECT_EQ(world_.database().Count("visits", "subject_id = ?", other_), 1);

  auto jws =
      privacy::DataRights::SignErasureReceipt(world_.keys().signer(), "store-0042", *summary);
  ASSERT_TRUE(jws);
  auto parsed = privacy::VerifyJws(world_.keys().public_key(), *jws);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(jws->find(subject_), std::string::npos);
  EXPECT_EQ(boost::json::serialize(parsed->payload).find(subject_), std::string::npos);
}

}  // namespace
}  // namespace optin::visits::visit_service_test
