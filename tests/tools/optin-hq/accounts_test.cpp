// HQ accounts on both engines: roles, PBKDF2 passwords with a salt per user, sessions stored
// only as hashes, and the login limit.
#include "tools/optin-hq/accounts.h"

#include <gtest/gtest.h>

#include "platform/clock.h"
#include "platform/random.h"
#include "tests/tools/optin-hq/hq_store_fixture.h"
#include "tools/optin-hq/password_hash.h"
#include "tools/optin-hq/session_token.h"

namespace optin::hq::accounts_test {
namespace {

constexpr std::string_view kPassword = "correct horse battery";

class AccountsTest : public HqStoreFixture {
 protected:
  void SetUp() override {
    HqStoreFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    store_ = OpenOrDie();
    ASSERT_TRUE(store_);
    // A small work factor keeps the tests fast; the default is checked on its own below.
    policy_.pbkdf2_iterations = 1000;
    accounts_ = std::make_unique<Accounts>(*store_, clock_, random_, policy_);
  }

  platform::FakeClock clock_;
  platform::SeededRandom random_{7};
  AccountPolicy policy_;
  std::unique_ptr<HqStore> store_;
  std::unique_ptr<Accounts> accounts_;
};

TEST_P(AccountsTest, AUserLogsInWithTheirPasswordAndTheSessionCarriesTheRole) {
  ASSERT_TRUE(accounts_->AddUser("ada", Role::kAdmin, kPassword));
  ASSERT_TRUE(accounts_->AddUser("bob", Role::kAnalyst, kPassword));
  auto login = accounts_->LogIn("ada", kPassword);
  ASSERT_TRUE(login) << login.error().message;
  EXPECT_TRUE(login->token.starts_with("hq_"));
  auto session = accounts_->Authenticate(login->token);
  ASSERT_TRUE(session) << session.error().message;
  EXPECT_EQ(session->user_id, "ada");
  EXPECT_EQ(session->role, Role::kAdmin);
  EXPECT_EQ(accounts_->Authenticate(accounts_->LogIn("bob", kPassword)->token)->role,
            Role::kAnalyst);
}

TEST_P(AccountsTest, ThePasswordIsStoredOnlyAsASaltedPbkdf2Hash) {
  ASSERT_TRUE(accounts_->AddUser("ada", Role::kAnalyst, kPassword));
  ASSERT_TRUE(accounts_->AddUser("bob", Role::kAnalyst, kPassword));
  auto ada = store_->FindUser("ada").value();
  auto bob = store_->FindUser("bob").value();
  ASSERT_TRUE(ada && bob);
  EXPECT_TRUE(ada->password_hash.starts_with("pbkdf2-sha256$1000$"));
  EXPECT_EQ(ada->password_hash.find(kPassword), std::string::npos);
  EXPECT_NE(ada->password_hash, bob->password_hash);  // a salt per user
  EXPECT_TRUE(VerifyPassword(ada->password_hash, kPassword));
  EXPECT_FALSE(VerifyPassword(ada->password_hash, "correct horse battery!"));
}

TEST_P(AccountsTest, TheSessionTokenIsStoredOnlyAsItsHash) {
  ASSERT_TRUE(accounts_->AddUser("ada", Role::kAnalyst, kPassword));
  auto login = accounts_->LogIn("ada", kPassword);
  ASSERT_TRUE(login);
  EXPECT_FALSE(store_->FindSession(login->token).value());
  auto stored = store_->FindSession(SessionTokenHash(login->token)).value();
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->user_id, "ada");
}

TEST_P(AccountsTest, WrongPasswordUnknownUserAndLockedAccountGetTheSameRefusal) {
  ASSERT_TRUE(accounts_->AddUser("ada", Role::kAnalyst, kPassword));
  auto wrong = accounts_->LogIn("ada", "not the password");
  auto unknown = accounts_->LogIn("nobody", kPassword);
  ASSERT_FALSE(wrong);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(wrong.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(wrong.error().reason, "login-failed");
  EXPECT_EQ(unknown.error().reason, wrong.error().reason);
  EXPECT_EQ(unknown.error().message, wrong.error().message);
}

TEST_P(AccountsTest, FiveWrongPasswordsLockTheAccountForFifteenMinutes) {
  ASSERT_TRUE(accounts_->AddUser("ada", Role::kAnalyst, kPassword));
  for (int i = 0; i < 5; ++i)
    EXPECT_FALSE(accounts_->LogIn("ada", "guess number " + std::to_string(i)));
  // Locked: even the right password is refused, the same way.
  auto locked = accounts_->LogIn("ada", kPassword);
  ASSERT_FALSE(locked);
  EXPECT_EQ(locked.error().reason, "login-failed");
  clock_.Advance(std::chrono::minutes(14));
  EXPECT_FALSE(accounts_->LogIn("ada", kPassword));
  clock_.Advance(std::chrono::minutes(1));
  EXPECT_TRUE(accounts_->LogIn("ada", kPassword));
  // The count is persisted (a restart does not forget it) and reset by a successful login.
  EXPECT_FALSE(accounts_->LogIn("ada", "one more guess"));
  EXPECT_EQ(store_->FindUser("ada").value()->failed_logins, 1);
  ASSERT_TRUE(accounts_->LogIn("ada", kPassword));
  EXPECT_EQ(store_->FindUser("ada").value()->failed_logins, 0);
}

TEST_P(AccountsTest, ASessionEndsWhenItExpiresOrOnLogOut) {
  ASSERT_TRUE(accounts_->AddUser("ada", Role::kAnalyst, kPassword));
  auto first = accounts_->LogIn("ada", kPassword);
  auto second = accounts_->LogIn("ada", kPassword);
  ASSERT_TRUE(first && second);
  ASSERT_TRUE(accounts_->LogOut(first->token));
  auto gone = accounts_->Authenticate(first->token);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().reason, "session-invalid");
  EXPECT_TRUE(accounts_->Authenticate(second->token));
  clock_.Advance(policy_.session_length);
  EXPECT_FALSE(accounts_->Authenticate(second->token));
  EXPECT_FALSE(accounts_->Authenticate("hq_forged"));
  EXPECT_FALSE(accounts_->Authenticate(""));
}

TEST_P(AccountsTest, BadIdsRolesWeakPasswordsAndDuplicatesAreRefusedNamingTheField) {
  auto weak = accounts_->AddUser("ada", Role::kAnalyst, "short");
  ASSERT_FALSE(weak);
  EXPECT_EQ(weak.error().field, "password");
  auto bad_id = accounts_->AddUser("Ada Lovelace", Role::kAnalyst, kPassword);
  ASSERT_FALSE(bad_id);
  EXPECT_EQ(bad_id.error().field, "id");
  auto role = ParseRole("owner");
  ASSERT_FALSE(role);
  EXPECT_EQ(role.error().field, "role");
  ASSERT_TRUE(accounts_->AddUser("ada", Role::kAnalyst, kPassword));
  auto again = accounts_->AddUser("ada", Role::kAdmin, kPassword);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  EXPECT_EQ(again.error().reason, "user-exists");
  EXPECT_EQ(store_->FindUser("ada").value()->role, "analyst");
}

INSTANTIATE_TEST_SUITE_P(Engines, AccountsTest,
                         ::testing::Values(Engine::kSqlite, Engine::kPostgres), EngineName);

TEST(PasswordHashTest, TheDefaultWorkFactorIsStoredWithTheHash) {
  platform::SeededRandom random(1);
  auto hash = HashPassword(kPassword, kDefaultPbkdf2Iterations, random);
  ASSERT_TRUE(hash);
  EXPECT_EQ(HashIterations(*hash), kDefaultPbkdf2Iterations);
  EXPECT_TRUE(VerifyPassword(*hash, kPassword));
}

TEST(PasswordHashTest, AMalformedStoredHashMatchesNothing) {
  for (std::string_view bad :
       {"", "pbkdf2-sha256$0$AAAA$AAAA", "md5$1$x$y", "pbkdf2-sha256$1000$not-base64!$AAAA"}) {
    EXPECT_FALSE(VerifyPassword(bad, kPassword)) << bad;
    EXPECT_EQ(HashIterations(bad), 0u) << bad;
  }
}

}  // namespace
}  // namespace optin::hq::accounts_test
