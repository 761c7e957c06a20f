// Staff accounts and sessions against a real database: salted PBKDF2 PINs, opaque tokens kept
// only as hashes, shift expiry, logout, forged tokens, the per-account lockout and the
// per-client limit (platform::ClientLoginLimiter itself is tested in tests/unit/platform), and
// refusals that do not reveal whether a staff id exists.
#include "assist/staff_sessions.h"

#include <gtest/gtest.h>

#include "platform/encoding.h"
#include "tests/unit/assist/assist_world.h"

namespace optin::testing::staff_sessions_test {
namespace {

using assist::StaffRole;

class StaffSessionsTest : public ::testing::Test {
 protected:
  static assist::StaffSessionPolicy Policy() {
    assist::StaffSessionPolicy p;
    p.shift_length = std::chrono::hours(10);
    p.max_failures = 3;
    p.lockout = std::chrono::minutes(15);
    p.client_max_failures = 6;
    p.client_window = std::chrono::minutes(15);
    return p;
  }
  AssistWorld w_{assist::HelpDeskPolicy{}, Policy()};

  std::string RefusalOf(Result<assist::LoginAttempt> r) {
    if (!r) return "error: " + r.error().message;
    if (r->login) return "ok";
    return r->refusal->reason;
  }
  std::pair<std::string, std::string> HashAndSalt(std::string_view id) {
    return ValueOrDie(w_.database().Read(
                          [&](store::Connection& c) -> Result<std::pair<std::string, std::string>> {
                            OPTIN_ASSIGN_OR_RETURN(
                                auto s,
                                c.Prepare("SELECT pin_hash, pin_salt FROM staff WHERE id = ?"));
                            s.BindAll(id);
                            OPTIN_TRY(s.Step());
                            return std::pair{s.ColumnBlob(0), s.ColumnBlob(1)};
                          }),
                      "hash");
  }
};

TEST_F(StaffSessionsTest, PinHashUsesAPerAccountSalt) {
  ASSERT_TRUE(w_.AddStaff("sam", StaffRole::kAssociate, "1234"));
  ASSERT_TRUE(w_.AddStaff("ann", StaffRole::kAssociate, "1234"));
  auto [sam_hash, sam_salt] = HashAndSalt("sam");
  auto [ann_hash, ann_salt] = HashAndSalt("ann");
  EXPECT_EQ(sam_salt.size(), assist::StaffDirectory::kSaltBytes);
  EXPECT_NE(sam_salt, ann_salt);
  EXPECT_NE(sam_hash, ann_hash);
  EXPECT_EQ(
      sam_hash,
      ValueOrDie(assist::StaffDirectory::HashPin("1234", sam_salt, kTestPinIterations), "hash"));
  EXPECT_EQ(w_.database().Count("staff", "CAST(pin_hash AS TEXT) LIKE '%1234%'"), 0);
}

TEST_F(StaffSessionsTest, NewAccountsUseTheProductionIterationCount) {
  assist::StaffDirectory production(w_.clock(), w_.keys().random());
  ASSERT_TRUE(w_.database().Write([&](store::Connection& c) {
    return production.Add(c, "prod", StaffRole::kManager, "907155");
  }));
  EXPECT_EQ(w_.database().Count("staff", "id = 'prod' AND pin_iterations = ?",
                                static_cast<int64_t>(assist::StaffDirectory::kPinIterations)),
            1);
  EXPECT_GE(assist::StaffDirectory::kPinIterations, 100'000u);
}

TEST_F(StaffSessionsTest, PinsAndIdsFollowTheRules) {
  EXPECT_EQ(ReasonOf(w_.AddStaff("sam", StaffRole::kAssociate, "123")), "invalid-pin");
  EXPECT_EQ(ReasonOf(w_.AddStaff("sam", StaffRole::kAssociate, "12a4")), "invalid-pin");
  EXPECT_EQ(ReasonOf(w_.AddStaff("sam", StaffRole::kAssociate, "1234567890123")), "invalid-pin");
  EXPECT_EQ(ReasonOf(w_.AddStaff("s", StaffRole::kAssociate, "1234")), "invalid-staff-id");
  EXPECT_EQ(ReasonOf(w_.AddStaff("sam smith", StaffRole::kAssociate, "1234")), "invalid-staff-id");
  ASSERT_TRUE(w_.AddStaff("sam", StaffRole::kAssociate, "123456789012"));
  EXPECT_EQ(ReasonOf(w_.AddStaff("sam", StaffRole::kManager, "4321")), "staff-exists");
  EXPECT_EQ(w_.database().Count("staff"), 1);
}

TEST_F(StaffSessionsTest, LoginGivesAnOpaqueTokenKeptOnlyAsAHash) {
  auto sam = w_.Staff("sam", StaffRole::kManager);
  EXPECT_TRUE(sam.token.starts_with("st_"));
  EXPECT_EQ(platform::Base64UrlDecode(sam.token.substr(3)).value_or("").size(), 32u);
  EXPECT_EQ(sam.session.expires_at, w_.clock().NowUnix() + 10 * 3600);
  EXPECT_NE(w_.database().Snapshot().find("staff_sessions"), std::string::npos);
  EXPECT_EQ(w_.database().Snapshot().find(sam.token.substr(3)), std::string::npos);
  auto session = w_.Authenticate(sam.token);
  ASSERT_TRUE(session.has_value());
  EXPECT_EQ(session->staff.id, "sam");
  EXPECT_EQ(session->staff.role, StaffRole::kManager);
}

TEST_F(StaffSessionsTest, SessionEndsWithTheShift) {
  auto sam = w_.Staff("sam");
  w_.clock().Advance(std::chrono::hours(10) - std::chrono::seconds(1));
  EXPECT_TRUE(w_.Authenticate(sam.token).has_value());
  w_.clock().Advance(std::chrono::seconds(1));
  EXPECT_EQ(ReasonOf(w_.Authenticate(sam.token)), "staff-token-invalid");
}

TEST_F(StaffSessionsTest, ForgedAndMalformedTokensAreRefused) {
  w_.Staff("sam");
  const std::string forged = "st_" + platform::Base64UrlEncode(std::string(32, 'A'));
  for (const std::string& t :
       {forged, std::string("st_"), std::string("st_short"), std::string("vt_whatever"),
        std::string(200, 'x'), std::string("")}) {
    EXPECT_EQ(ReasonOf(w_.Authenticate(t)), "staff-token-invalid") << t;
  }
}

TEST_F(StaffSessionsTest, LoggedOutTokenIsRefused) {
  auto sam = w_.Staff("sam");
  ASSERT_TRUE(w_.database().Write(
      [&](store::Connection& c) { return w_.sessions().Logout(c, sam.token); }));
  EXPECT_EQ(ReasonOf(w_.Authenticate(sam.token)), "staff-token-invalid");
  auto again = w_.Login("sam", "482913");
  EXPECT_EQ(RefusalOf(again), "ok") << "logging in again works";
}

TEST_F(StaffSessionsTest, WrongPinAndUnknownIdAreRefusedAlike) {
  w_.Staff("sam");
  auto wrong = ValueOrDie(w_.Login("sam", "000000"), "login");
  auto unknown = ValueOrDie(w_.Login("nobody", "000000"), "login");
  ASSERT_TRUE(wrong.refusal && unknown.refusal);
  EXPECT_EQ(wrong.refusal->reason, "staff-login-failed");
  EXPECT_EQ(unknown.refusal->reason, wrong.refusal->reason);
  EXPECT_EQ(unknown.refusal->message, wrong.refusal->message);
  EXPECT_EQ(unknown.refusal->code, wrong.refusal->code);
}

TEST_F(StaffSessionsTest, AccountLocksAfterRepeatedWrongPinsUntilTheLockoutEnds) {
  w_.Staff("sam");
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(RefusalOf(w_.Login("sam", "000000", "10.0.0." + std::to_string(i))),
              "staff-login-failed");
  }
  EXPECT_EQ(w_.database().Count("staff", "id = 'sam' AND locked_until IS NOT NULL"), 1)
      << "the lock is persisted";
  auto locked = ValueOrDie(w_.Login("sam", "482913", "10.0.1.1"), "login");
  ASSERT_TRUE(locked.refusal.has_value()) << "even the right PIN is refused while locked";
  EXPECT_EQ(locked.refusal->reason, "staff-login-failed");
  w_.clock().Advance(std::chrono::minutes(15) - std::chrono::seconds(1));
  EXPECT_EQ(RefusalOf(w_.Login("sam", "482913", "10.0.1.2")), "staff-login-failed")
      << "still locked a second before the lockout ends";
  w_.clock().Advance(std::chrono::seconds(1));
  EXPECT_EQ(RefusalOf(w_.Login("sam", "482913", "10.0.1.1")), "ok");
}

TEST_F(StaffSessionsTest, LockedAccountWrongPinAndUnknownIdGetOneAnswerStatingTheRule) {
  w_.Staff("sam");
  w_.Staff("ann");
  for (int i = 0; i < 3; ++i) (void)w_.Login("sam", "000000", "10.0.0." + std::to_string(i));
  auto locked_right = ValueOrDie(w_.Login("sam", "482913", "10.0.2.1"), "login");
  auto locked_wrong = ValueOrDie(w_.Login("sam", "000000", "10.0.2.2"), "login");
  auto wrong = ValueOrDie(w_.Login("ann", "000000", "10.0.2.3"), "login");
  auto unknown = ValueOrDie(w_.Login("nobody", "482913", "10.0.2.4"), "login");
  auto malformed = ValueOrDie(w_.Login("no body!", "12ab", "10.0.2.5"), "login");
  for (const auto* a : {&locked_right, &locked_wrong, &unknown, &malformed}) {
    ASSERT_TRUE(a->refusal.has_value());
    EXPECT_EQ(a->refusal->code, wrong.refusal->code);
    EXPECT_EQ(a->refusal->reason, wrong.refusal->reason);
    EXPECT_EQ(a->refusal->message, wrong.refusal->message);
    EXPECT_EQ(a->refusal->field, wrong.refusal->field);
  }
  EXPECT_EQ(wrong.refusal->code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(wrong.refusal->message,
            "The staff id or PIN is not right. After 3 wrong PINs in a row an account is locked "
            "for 15 minutes; a manager can unlock it sooner by resetting the PIN.");
}

TEST_F(StaffSessionsTest, EveryRefusedLoginCostsTheSamePinWorkAndOneAuditWrite) {
  w_.Staff("sam");
  w_.Staff("ann");
  for (int i = 0; i < 3; ++i) (void)w_.Login("sam", "000000", "10.0.0." + std::to_string(i));
  const auto& dir = w_.directory();
  auto cost = [&](std::string_view id, std::string_view pin, std::string_view client) {
    const uint64_t work_before = dir.pin_work_done();
    const int64_t audits_before = w_.database().Count("audit_log", "kind = 'staff.login_failed'");
    auto attempt = ValueOrDie(w_.Login(id, pin, client), "login");
    EXPECT_TRUE(attempt.refusal.has_value()) << id;
    EXPECT_EQ(w_.database().Count("audit_log", "kind = 'staff.login_failed'") - audits_before, 1)
        << id << ": one durable write, whether or not the id exists";
    return dir.pin_work_done() - work_before;
  };
  const uint64_t wrong = cost("ann", "000000", "10.0.3.1");
  EXPECT_EQ(wrong, kTestPinIterations);
  EXPECT_EQ(cost("nobody", "000000", "10.0.3.2"), wrong) << "unknown id";
  EXPECT_EQ(cost("sam", "482913", "10.0.3.3"), wrong) << "locked, right PIN";
  EXPECT_EQ(cost("sam", "000000", "10.0.3.4"), wrong) << "locked, wrong PIN";
  EXPECT_EQ(cost("x", "000000", "10.0.3.5"), wrong) << "an id no account can have";
  EXPECT_EQ(cost("ann", "12", "10.0.3.6"), wrong) << "a PIN no account can have";
  EXPECT_EQ(w_.database().Snapshot().find("nobody"), std::string::npos)
      << "refusals leave no trace of the id tried";
}

TEST_F(StaffSessionsTest, ASuccessfulLoginResetsTheFailureCount) {
  w_.Staff("sam");
  EXPECT_EQ(RefusalOf(w_.Login("sam", "000000")), "staff-login-failed");
  EXPECT_EQ(RefusalOf(w_.Login("sam", "000000")), "staff-login-failed");
  EXPECT_EQ(RefusalOf(w_.Login("sam", "482913")), "ok");
  EXPECT_EQ(RefusalOf(w_.Login("sam", "000000")), "staff-login-failed");
  EXPECT_EQ(RefusalOf(w_.Login("sam", "482913")), "ok") << "not locked: the count restarted";
}

TEST_F(StaffSessionsTest, ClientIsLimitedAfterTooManyFailures) {
  w_.Staff("sam");
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(RefusalOf(w_.Login("guess" + std::to_string(i), "1111", "10.9.9.9")),
              "staff-login-failed");
  }
  EXPECT_EQ(RefusalOf(w_.Login("sam", "482913", "10.9.9.9")), "rate-limited");
  EXPECT_EQ(RefusalOf(w_.Login("sam", "482913", "10.0.0.8")), "ok") << "other clients are fine";
  w_.clock().Advance(std::chrono::minutes(15));
  EXPECT_EQ(RefusalOf(w_.Login("sam", "482913", "10.9.9.9")), "ok");
}

TEST_F(StaffSessionsTest, ResetPinUnlocksAndEndsSessions) {
  auto sam = w_.Staff("sam");
  for (int i = 0; i < 3; ++i) (void)w_.Login("sam", "000000");
  ASSERT_TRUE(w_.database().Write(
      [&](store::Connection& c) { return w_.directory().ResetPin(c, "sam", "55667788"); }));
  EXPECT_EQ(ReasonOf(w_.Authenticate(sam.token)), "staff-token-invalid");
  EXPECT_EQ(RefusalOf(w_.Login("sam", "482913")), "staff-login-failed");
  EXPECT_EQ(RefusalOf(w_.Login("sam", "55667788")), "ok");
}

TEST_F(StaffSessionsTest, RemovedStaffLoseTheirSessions) {
  auto sam = w_.Staff("sam");
  ASSERT_TRUE(
      w_.database().Write([&](store::Connection& c) { return w_.directory().Remove(c, "sam"); }));
  EXPECT_EQ(ReasonOf(w_.Authenticate(sam.token)), "staff-token-invalid");
  EXPECT_EQ(w_.database().Count("staff_sessions"), 0);
  EXPECT_EQ(ReasonOf(w_.database().Write(
                [&](store::Connection& c) { return w_.directory().Remove(c, "sam"); })),
            "staff-not-found");
}

}  // namespace
}  // namespace optin::testing::staff_sessions_test
