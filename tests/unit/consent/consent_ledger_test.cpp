#include "consent/consent_ledger.h"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <ctime>
#include <string>
#include <vector>

#include "privacy/audit_log.h"
#include "privacy/jws.h"
#include "tests/support/domain_fixture.h"

namespace optin::consent::consent_ledger_test {
namespace {

using optin::testing::ConsentWorld;
using optin::testing::ReasonOf;
using optin::testing::ValueOrDie;

class ConsentLedgerTest : public ::testing::Test {
 protected:
  bool May(Purpose p) { return ValueOrDie(world_.MayProcess(subject_, p), "may process"); }

  ConsentWorld world_;
  const std::string subject_ = world_.Subject("loyalty-1");
  const std::string other_ = world_.Subject("loyalty-2");
};

TEST_F(ConsentLedgerTest, EveryPurposeIsOffBeforeAnyDecision) {
  for (Purpose p : kAllPurposes) {
    EXPECT_EQ(world_.StatusOf(subject_, p).state, ConsentState::kNotAsked);
    EXPECT_FALSE(May(p)) << ToString(p);
  }
}

TEST_F(ConsentLedgerTest, GrantedPurposeAllowsProcessing) {
  ASSERT_TRUE(world_.Grant(subject_, {Purpose::kPresence, Purpose::kOffers}));
  EXPECT_TRUE(May(Purpose::kPresence));
  EXPECT_TRUE(May(Purpose::kOffers));
  EXPECT_FALSE(May(Purpose::kAssistance));
  EXPECT_FALSE(ValueOrDie(world_.MayProcess(other_, Purpose::kOffers), "other"));
}

TEST_F(ConsentLedgerTest, PurposeWithoutPresenceDoesNotAllowProcessing) {
  ASSERT_TRUE(world_.Grant(subject_, {Purpose::kOffers, Purpose::kAssistance}));
  EXPECT_EQ(world_.StatusOf(subject_, Purpose::kOffers).state, ConsentState::kGranted);
  EXPECT_FALSE(May(Purpose::kOffers));
  EXPECT_FALSE(May(Purpose::kAssistance));
}

TEST_F(ConsentLedgerTest, WithdrawnPurposeBlocksProcessing) {
  ASSERT_TRUE(world_.Grant(subject_, {Purpose::kPresence, Purpose::kAssistance}));
  ASSERT_TRUE(May(Purpose::kAssistance));
  ASSERT_TRUE(world_.Withdraw(subject_, {Purpose::kAssistance}));
  EXPECT_FALSE(May(Purpose::kAssistance));
  EXPECT_TRUE(May(Purpose::kPresence));
  PurposeStatus s = world_.StatusOf(subject_, Purpose::kAssistance);
  EXPECT_EQ(s.state, ConsentState::kWithdrawn);
  EXPECT_FALSE(s.expires_at);
}

TEST_F(ConsentLedgerTest, WithdrawnPresenceBlocksEveryOtherPurpose) {
  ASSERT_TRUE(world_.Grant(subject_, {Purpose::kPresence, Purpose::kOffers, Purpose::kHistory}));
  ASSERT_TRUE(world_.Withdraw(subject_, {Purpose::kPresence}));
  EXPECT_FALSE(May(Purpose::kOffers));
  EXPECT_FALSE(May(Purpose::kHistory));
}

TEST_F(ConsentLedgerTest, GrantRecordsPolicyVersionTimeAndExpiry) {
  ConsentWorld world(ConsentPolicy{"2024-06", std::chrono::days(30)});
  const std::string s = world.Subject("x");
  const int64_t now = world.clock().NowUnix();
  ASSERT_TRUE(world.Grant(s, {Purpose::kPresence}));
  PurposeStatus status = world.StatusOf(s, Purpose::kPresence);
  EXPECT_EQ(status.state, ConsentState::kGranted);
  EXPECT_EQ(status.policy_version, "2024-06");
  EXPECT_EQ(status.changed_at, now);
  EXPECT_EQ(status.expires_at, now + 30 * 24 * 3600);
}

TEST_F(ConsentLedgerTest, DefaultLifetimeIsTheDefaultPolicysGrantLifetime) {
  const int64_t now = world_.clock().NowUnix();
  ASSERT_TRUE(world_.Grant(subject_, {Purpose::kPresence}));
  EXPECT_EQ(world_.ledger().policy().grant_lifetime, std::chrono::hours(24 * 365));
  EXPECT_EQ(world_.StatusOf(subject_, Purpose::kPresence).expires_at, now + 365 * 24 * 3600);
}

TEST_F(ConsentLedgerTest, ExpiredGrantBlocksProcessing) {
  ConsentWorld world(ConsentPolicy{"1", std::chrono::hours(1)});
  const std::string s = world.Subject("x");
  ASSERT_TRUE(world.Grant(s, {Purpose::kPresence, Purpose::kOffers}));
  world.clock().Advance(std::chrono::seconds(3599));
  EXPECT_TRUE(ValueOrDie(world.MayProcess(s, Purpose::kOffers), "before expiry"));
  world.clock().Advance(std::chrono::seconds(1));
  EXPECT_FALSE(ValueOrDie(world.MayProcess(s, Purpose::kOffers), "at expiry"));
  EXPECT_FALSE(ValueOrDie(world.MayProcess(s, Purpose::kPresence), "at expiry"));
  EXPECT_EQ(world.StatusOf(s, Purpose::kOffers).state, ConsentState::kExpired);
}

TEST_F(ConsentLedgerTest, ChangedPolicyVersionRequiresRenewalUntilGrantedAgain) {
  ASSERT_TRUE(world_.Grant(subject_, {Purpose::kPresence, Purpose::kOffers}));
  // The store publishes a new policy: a ledger configured with version 2 on the same data.
  ConsentLedger renewed(world_.clock(), ConsentPolicy{"2", std::chrono::days(365)},
                        optin::testing::TestController(), world_.keys().signer());
  EXPECT_EQ(world_.StatusOf(renewed, subject_, Purpose::kOffers).state,
            ConsentState::kNeedsRenewal);
  EXPECT_FALSE(ValueOrDie(world_.MayProcess(renewed, subject_, Purpose::kOffers), "renewal"));

  ASSERT_TRUE(
      world_.Apply(renewed, subject_, {{Purpose::kPresence, true}, {Purpose::kOffers, true}}));
  EXPECT_TRUE(ValueOrDie(world_.MayProcess(renewed, subject_, Purpose::kOffers), "renewed"));
  PurposeStatus s = world_.StatusOf(renewed, subject_, Purpose::kOffers);
  EXPECT_EQ(s.state, ConsentState::kGranted);
  EXPECT_EQ(s.policy_version, "2");
}

TEST_F(ConsentLedgerTest, ApplyCreatesTheSubject) {
  ASSERT_EQ(world_.database().Count("subjects", "id = ?", subject_), 0);
  ASSERT_TRUE(world_.Grant(subject_, {Purpose::kPresence}));
  EXPECT_EQ(world_.database().Count("subjects", "id = ?", subject_), 1);
  ASSERT_TRUE(world_.Withdraw(subject_, {Purpose::kPresence}));
  EXPECT_EQ(world_.database().Count("subjects", "id = ?", subject_), 1);
}

TEST_F(ConsentLedgerTest, EveryReceiptVerifiesWithTheSigningKeysPublicKey) {
  std::vector<ConsentReceipt> receipts;
  receipts.push_back(
      ValueOrDie(world_.Grant(subject_, {Purpose::kPresence, Purpose::kOffers}), "grant"));
  receipts.push_back(ValueOrDie(world_.Withdraw(subject_, {Purpose::kOffers}), "withdraw"));
  receipts.push_back(ValueOrDie(world_.Apply(subject_, {}), "no change"));
  for (const ConsentReceipt& r : receipts) {
    auto parsed = privacy::VerifyJws(world_.keys().public_key(), r.jws);
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(parsed->payload, r.payload);
    EXPECT_EQ(parsed->header.at("typ"), "consent-receipt+jws");
    EXPECT_EQ(parsed->header.at("kid").as_string(), world_.keys().public_key().KeyId());
  }
  optin::testing::DeviceKeys stranger(99);
  EXPECT_EQ(ReasonOf(privacy::VerifyJws(stranger.public_key(), receipts[0].jws)),
            "token-signature");
}

TEST_F(ConsentLedgerTest, ReceiptPayloadHasTheKantaraConsentReceiptFields) {
  const int64_t now = world_.clock().NowUnix();
  ConsentReceipt r = ValueOrDie(
      world_.Apply(
          subject_,
          {{Purpose::kPresence, true}, {Purpose::kOffers, true}, {Purpose::kAssistance, false}},
          "kiosk check-in"),
      "apply");
  const boost::json::object& p =
      ValueOrDie(privacy::VerifyJws(world_.keys().public_key(), r.jws), "verify").payload;
  const Controller controller = optin::testing::TestController();
  for (std::string_view field :
       {"version", "jurisdiction", "consentTimestamp", "collectionMethod", "consentReceiptID",
        "piiPrincipalId", "piiControllers", "services", "policyUrl"}) {
    EXPECT_TRUE(p.contains(field)) << field;
  }
  EXPECT_EQ(p.at("jurisdiction").as_string(), controller.jurisdiction);
  EXPECT_EQ(p.at("consentTimestamp"), now);
  EXPECT_EQ(p.at("collectionMethod"), "kiosk check-in");
  EXPECT_EQ(p.at("consentReceiptID").as_string(), r.id);
  EXPECT_EQ(p.at("piiPrincipalId").as_string(), subject_);
  EXPECT_EQ(p.at("policyUrl").as_string(), controller.policy_url);
  const auto& controllers = p.at("piiControllers").as_array();
  ASSERT_EQ(controllers.size(), 1u);
  EXPECT_EQ(controllers[0].at("piiController").as_string(), controller.name);
  EXPECT_EQ(controllers[0].at("email").as_string(), controller.contact_email);
  EXPECT_EQ(controllers[0].at("address").as_string(), controller.address);

  const auto& services = p.at("services").as_array();
  ASSERT_EQ(services.size(), 1u);
  const auto& purposes = services[0].at("purposes").as_array();
  ASSERT_EQ(purposes.size(), kAllPurposes.size());
  std::string granted_termination, withdrawn_termination;
  for (const auto& v : purposes) {
    const auto& entry = v.as_object();
    auto purpose = ParsePurpose(entry.at("purposeId").as_string());
    ASSERT_TRUE(purpose);
    const PurposeInfo& info = Info(*purpose);
    ASSERT_TRUE(entry.at("purposeCategory").is_array());
    EXPECT_EQ(entry.at("purposeCategory").as_array().at(0).as_string(), info.purpose_category);
    ASSERT_TRUE(entry.at("piiCategory").is_array());
    EXPECT_EQ(entry.at("piiCategory").as_array().at(0).as_string(), info.pii_category);
    EXPECT_EQ(entry.at("consentType"), "EXPLICIT");
    EXPECT_EQ(entry.at("thirdPartyDisclosure"), false);
    ASSERT_TRUE(entry.at("termination").is_string());
    EXPECT_FALSE(entry.at("termination").as_string().empty());
    if (*purpose == Purpose::kOffers) granted_termination = entry.at("termination").as_string();
    if (*purpose == Purpose::kAssistance) {
      withdrawn_termination = entry.at("termination").as_string();
    }
  }
  // A grant ends at its expiry; a withdrawn purpose is not in force at all.
  EXPECT_NE(granted_termination, withdrawn_termination);
  // ... and says when: the expiry date, a year from now by default.
  const std::time_t expiry = static_cast<std::time_t>(now + 365 * 24 * 3600);
  char date[16];
  std::strftime(date, sizeof date, "%Y-%m-%d", std::gmtime(&expiry));
  EXPECT_NE(granted_termination.find(date), std::string::npos) << granted_termination;
}

TEST_F(ConsentLedgerTest, ReceiptListsTheStatesAfterTheChange) {
  ConsentReceipt r = ValueOrDie(
      world_.Apply(subject_, {{Purpose::kPresence, true}, {Purpose::kHistory, false}}), "apply");
  ASSERT_EQ(r.purposes.size(), kAllPurposes.size());
  EXPECT_EQ(r.purposes[static_cast<size_t>(Purpose::kPresence)].state, ConsentState::kGranted);
  EXPECT_EQ(r.purposes[static_cast<size_t>(Purpose::kHistory)].state, ConsentState::kWithdrawn);
  EXPECT_EQ(r.purposes[static_cast<size_t>(Purpose::kOffers)].state, ConsentState::kNotAsked);
  EXPECT_EQ(r.issued_at, world_.clock().NowUnix());
}

TEST_F(ConsentLedgerTest, ReceiptsAreStoredAndListedOldestFirst) {
  ConsentReceipt first = ValueOrDie(world_.Grant(subject_, {Purpose::kPresence}), "first");
  world_.clock().Advance(std::chrono::seconds(5));
  ConsentReceipt second = ValueOrDie(world_.Grant(subject_, {Purpose::kOffers}), "second");
  ASSERT_TRUE(world_.Grant(other_, {Purpose::kPresence}));
  EXPECT_NE(first.id, second.id);

  auto listed = ValueOrDie(world_.database().Read([&](store::Connection& c) {
    return world_.ledger().Receipts(c, subject_);
  }),
                           "receipts");
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].id, first.id);
  EXPECT_EQ(listed[0].jws, first.jws);
  EXPECT_EQ(listed[0].payload, first.payload);
  EXPECT_EQ(listed[0].issued_at, first.issued_at);
  EXPECT_EQ(listed[1].id, second.id);
  EXPECT_EQ(listed[1].issued_at, first.issued_at + 5);
}

TEST_F(ConsentLedgerTest, EveryChangeIsAuditedWithoutTheSubjectInTheChain) {
  ASSERT_TRUE(world_.Grant(subject_, {Purpose::kPresence, Purpose::kOffers}));
  ASSERT_TRUE(world_.Withdraw(subject_, {Purpose::kOffers}));
  auto entries = ValueOrDie(world_.database().Read([&](store::Connection& c) {
    return privacy::AuditLog::ForSubject(c, subject_);
  }),
                            "audit");
  ASSERT_EQ(entries.size(), 3u);
  for (const auto& e : entries) {
    EXPECT_EQ(e.kind, "consent.changed");
    EXPECT_EQ(e.detail.find(subject_), std::string::npos) << e.detail;
  }
  EXPECT_NE(entries[2].detail.find("withdrawn"), std::string::npos) << entries[2].detail;
  auto v = ValueOrDie(
      world_.database().Read([](store::Connection& c) { return privacy::AuditLog::Verify(c); }),
      "verify");
  EXPECT_TRUE(v.intact);
}

struct HookCall {
  std::string subject;
  Purpose purpose;
  bool granted;
  int64_t now;
  bool row_already_written;
};

TEST_F(ConsentLedgerTest, ChangeHooksRunInTheSameTransactionForEveryChangedPurpose) {
  std::vector<HookCall> calls;
  world_.ledger().AddChangeHook([&](store::Connection& c, std::string_view subject, Purpose p,
                                    bool granted, int64_t now) -> Status {
    OPTIN_ASSIGN_OR_RETURN(auto s, c.Prepare("SELECT granted FROM consents WHERE subject_id = ? "
                                             "AND purpose = ?"));
    s.BindAll(subject, ToString(p));
    OPTIN_ASSIGN_OR_RETURN(bool row, s.Step());
    calls.push_back(
        {std::string(subject), p, granted, now, row && (s.ColumnInt(0) == 1) == granted});
    // A hook's own write commits with the change.
    OPTIN_TRY(
        c.Execute("INSERT OR REPLACE INTO interests(subject_id, interest, declared_at) "
                  "VALUES (?, ?, ?)",
                  subject, "hook:" + std::string(ToString(p)), now));
    return Ok();
  });
  ASSERT_TRUE(world_.Apply(subject_, {{Purpose::kPresence, true}, {Purpose::kHistory, false}}));
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].subject, subject_);
  EXPECT_EQ(calls[0].purpose, Purpose::kPresence);
  EXPECT_TRUE(calls[0].granted);
  EXPECT_EQ(calls[0].now, world_.clock().NowUnix());
  EXPECT_EQ(calls[1].purpose, Purpose::kHistory);
  EXPECT_FALSE(calls[1].granted);
  EXPECT_TRUE(calls[0].row_already_written);
  EXPECT_TRUE(calls[1].row_already_written);
  EXPECT_EQ(world_.database().Count("interests", "subject_id = ?", subject_), 2);
}

TEST_F(ConsentLedgerTest, FailingHookRollsBackTheWholeChange) {
  ASSERT_TRUE(world_.Grant(subject_, {Purpose::kPresence}));
  const std::string before = world_.database().Snapshot();
  world_.ledger().AddChangeHook(
      [](store::Connection&, std::string_view, Purpose p, bool, int64_t) -> Status {
        if (p == Purpose::kAssistance) {
          return Fail(ErrorCode::kInternal, "hook refused", {}, "hook-failed");
        }
        return Ok();
      });
  auto r = world_.Apply(
      subject_,
      {{Purpose::kOffers, true}, {Purpose::kAssistance, true}, {Purpose::kPresence, false}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, "hook-failed");
  EXPECT_EQ(world_.database().Snapshot(), before);
  EXPECT_EQ(world_.StatusOf(subject_, Purpose::kOffers).state, ConsentState::kNotAsked);
  EXPECT_TRUE(May(Purpose::kPresence));

  // A failing first-time Apply does not even leave the subject behind.
  auto fresh = world_.Apply(other_, {{Purpose::kAssistance, true}});
  ASSERT_FALSE(fresh);
  EXPECT_EQ(world_.database().Count("subjects", "id = ?", other_), 0);
}

TEST_F(ConsentLedgerTest, PurgeExpiredDeletesExpiredGrantsAndRunsTheHooks) {
  ConsentWorld world(ConsentPolicy{"1", std::chrono::hours(1)});
  const std::string early = world.Subject("early");
  const std::string late = world.Subject("late");
  std::vector<HookCall> calls;
  world.ledger().AddChangeHook([&](store::Connection&, std::string_view subject, Purpose p,
                                   bool granted, int64_t now) -> Status {
    calls.push_back({std::string(subject), p, granted, now, false});
    return Ok();
  });
  ASSERT_TRUE(world.Apply(
      early,
      {{Purpose::kPresence, true}, {Purpose::kOffers, true}, {Purpose::kAssistance, false}}));
  world.clock().Advance(std::chrono::minutes(30));
  ASSERT_TRUE(world.Grant(late, {Purpose::kPresence}));
  world.clock().Advance(std::chrono::minutes(31));
  calls.clear();

  auto purged =
      world.database().Write([&](store::Connection& c) { return world.ledger().PurgeExpired(c); });
  ASSERT_TRUE(purged) << purged.error().message;
  EXPECT_EQ(*purged, 2);
  EXPECT_EQ(world.database().Count("consents", "subject_id = ?", early), 1);  // the withdrawal
  EXPECT_EQ(world.database().Count("consents", "subject_id = ? AND granted = 1", early), 0);
  EXPECT_EQ(world.database().Count("consents", "subject_id = ?", late), 1);
  ASSERT_EQ(calls.size(), 2u);
  for (const auto& c : calls) {
    EXPECT_EQ(c.subject, early);
    EXPECT_FALSE(c.granted);
    EXPECT_EQ(c.now, world.clock().NowUnix());
  }
  EXPECT_EQ(world.StatusOf(early, Purpose::kOffers).state, ConsentState::kNotAsked);

  // Nothing left to purge.
  EXPECT_EQ(ValueOrDie(world.database().Write(
                           [&](store::Connection& c) { return world.ledger().PurgeExpired(c); }),
                       "again"),
            0);
}

TEST_F(ConsentLedgerTest, ExportShowsEveryPurposeAndCountsRows) {
  ASSERT_TRUE(world_.Grant(subject_, {Purpose::kPresence, Purpose::kOffers}));
  ASSERT_TRUE(world_.Withdraw(subject_, {Purpose::kOffers}));
  auto exported = ValueOrDie(world_.database().Read([&](store::Connection& c) {
    return world_.ledger().consent_records().Export(c, subject_);
  }),
                             "export");
  EXPECT_EQ(exported.as_array().size(), kAllPurposes.size());
  EXPECT_EQ(world_.ledger().consent_records().Kind(), "consents");
  EXPECT_EQ(world_.ledger().receipt_records().Kind(), "receipts");
  EXPECT_EQ(ValueOrDie(world_.database().Read([&](store::Connection& c) {
              return world_.ledger().consent_records().Count(c, subject_);
            }),
                       "count consents"),
            2);
  EXPECT_EQ(ValueOrDie(world_.database().Read([&](store::Connection& c) {
              return world_.ledger().receipt_records().Count(c, subject_);
            }),
                       "count receipts"),
            2);
}

}  // namespace
}  // namespace optin::consent::consent_ledger_test
