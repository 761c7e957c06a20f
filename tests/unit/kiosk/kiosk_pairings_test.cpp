// Kiosk pairing (issue 18): a pairing link works once and for 10 minutes, a revoked kiosk is
// no longer admitted, and neither the link's token nor the kiosk's credential is at rest in the
// database file, only their keyed hashes. A real SQLite file, a fake clock.
#include "kiosk/kiosk_pairings.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "kiosk/kiosk_access.h"
#include "platform/encoding.h"
#include "platform/random.h"
#include "privacy/pseudonymizer.h"
#include "store/database.h"
#include "tests/support/temp_dir.h"

namespace optin::kiosk::kiosk_pairings_test {
namespace {

using optin::testing::TempDir;

class KioskPairingsTest : public ::testing::Test {
 protected:
  KioskPairingsTest() {
    store::DatabaseOptions options;
    options.file = dir_ / "optin-edge.db";
    auto db = store::Database::Open(options);
    EXPECT_TRUE(db.has_value()) << db.error().message;
    db_ = std::move(*db);
  }
  ~KioskPairingsTest() override { db_->Stop(); }

  KioskPairingLink Link(std::string_view name) {
    auto link = db_->WriteSync<KioskPairingLink>(
        [&](store::Connection& c) { return pairings_.CreateLink(c, name); });
    EXPECT_TRUE(link.has_value()) << link.error().message;
    return link.value_or(KioskPairingLink{});
  }
  Result<PairedKiosk> Redeem(std::string_view token) {
    return db_->WriteSync<PairedKiosk>(
        [&](store::Connection& c) { return pairings_.Redeem(c, token); });
  }
  Status Revoke(std::string_view name) {
    return db_->WriteSync([&](store::Connection& c) { return pairings_.Revoke(c, name); });
  }
  std::map<std::string, std::string> Active() {
    auto active = db_->ReadSync<std::map<std::string, std::string>>(
        [&](store::Connection& c) { return pairings_.Active(c); });
    EXPECT_TRUE(active.has_value());
    return active.value_or(std::map<std::string, std::string>{});
  }
  std::string FileBytes() {
    EXPECT_TRUE(db_->CheckpointTruncate().has_value());
    std::ifstream in(dir_ / "optin-edge.db", std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  TempDir dir_;
  platform::FakeClock clock_;
  platform::SeededRandom random_{7};
  privacy::Pseudonymizer pseudonymizer_{std::string(32, 'p'), std::string(32, 't')};
  KioskPairings pairings_{clock_, random_, pseudonymizer_};
  std::unique_ptr<store::Database> db_;
};

TEST_F(KioskPairingsTest, APairingLinkWorksOnceAndGivesACredential) {
  KioskPairingLink link = Link("entrance");
  EXPECT_TRUE(link.token.starts_with("kp_"));
  EXPECT_EQ(link.expires_at, clock_.NowUnix() + 600);
  auto paired = Redeem(link.token);
  ASSERT_TRUE(paired.has_value()) << paired.error().message;
  EXPECT_EQ(paired->name, "entrance");
  EXPECT_TRUE(paired->credential.starts_with("kc_"));
  auto active = Active();
  ASSERT_EQ(active.size(), 1u);
  EXPECT_EQ(active.begin()->first, pairings_.CredentialHash(paired->credential));
  EXPECT_EQ(active.begin()->second, "entrance");

  auto again = Redeem(link.token);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(again.error().reason, "kiosk-pairing-invalid");
  EXPECT_EQ(Active().size(), 1u) << "a second opening paired another screen";
}

TEST_F(KioskPairingsTest, APairingLinkExpiresAfterTenMinutes) {
  KioskPairingLink late = Link("entrance");
  KioskPairingLink in_time = Link("checkout");
  clock_.Advance(std::chrono::seconds(599));
  EXPECT_TRUE(Redeem(in_time.token).has_value());
  clock_.Advance(std::chrono::seconds(1));
  auto expired = Redeem(late.token);
  ASSERT_FALSE(expired.has_value());
  EXPECT_EQ(expired.error().reason, "kiosk-pairing-invalid");
  auto list = db_->ReadSync<std::vector<KioskRecord>>(
      [&](store::Connection& c) { return pairings_.List(c); });
  ASSERT_TRUE(list.has_value());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "checkout");
  EXPECT_EQ((*list)[0].state, KioskState::kPaired);
  EXPECT_EQ((*list)[1].state, KioskState::kExpired);
}

TEST_F(KioskPairingsTest, AForgedOrMalformedLinkPairsNothing) {
  Link("entrance");
  for (std::string_view token :
       {"", "kp_", "kp_short", "kc_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "kp_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}) {
    auto r = Redeem(token);
    ASSERT_FALSE(r.has_value()) << token;
    EXPECT_EQ(r.error().reason, "kiosk-pairing-invalid") << token;
  }
  EXPECT_TRUE(Active().empty());
}

TEST_F(KioskPairingsTest, ARevokedKioskIsNoLongerAdmittedAndItsLinkIsVoid) {
  auto paired = Redeem(Link("entrance").token);
  ASSERT_TRUE(paired.has_value());
  KioskPairingLink pending = Link("stockroom");
  KioskAccess access(pairings_, /*allow_loopback=*/false);
  access.Replace(Active());
  net::Request request;
  request.remote_address = "192.0.2.10";
  request.headers.emplace_back("cookie", "theme=dark; optin_kiosk=" + paired->credential);
  auto identity = access.Identify(request);
  ASSERT_TRUE(identity.has_value()) << identity.error().message;
  EXPECT_EQ(identity->name, "entrance");

  ASSERT_TRUE(Revoke("entrance").has_value());
  ASSERT_TRUE(Revoke("stockroom").has_value());
  access.Replace(Active());
  EXPECT_FALSE(access.StillAdmitted(*identity));
  auto refused = access.Identify(request);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().reason, "kiosk-not-paired");
  EXPECT_FALSE(Redeem(pending.token).has_value()) << "a revoked kiosk's link still paired";
  auto unknown = Revoke("nowhere");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
}

TEST_F(KioskPairingsTest, PairingsAndRevocationsAreInTheAuditLogByNameOnly) {
  auto paired = Redeem(Link("entrance").token);
  ASSERT_TRUE(paired.has_value());
  ASSERT_TRUE(Revoke("entrance").has_value());
  ASSERT_TRUE(Revoke("entrance").has_value());  // again: no second entry
  auto entries = db_->ReadSync<std::vector<std::string>>(
      [](store::Connection& c) -> Result<std::vector<std::string>> {
        OPTIN_ASSIGN_OR_RETURN(
            auto stmt, c.Prepare("SELECT kind || ' ' || detail FROM audit_log ORDER BY seq"));
        std::vector<std::string> out;
        while (true) {
          OPTIN_ASSIGN_OR_RETURN(bool row, stmt.Step());
          if (!row) return out;
          out.push_back(stmt.ColumnText(0));
        }
      });
  ASSERT_TRUE(entries.has_value());
  ASSERT_EQ(entries->size(), 3u);
  EXPECT_TRUE((*entries)[0].starts_with("kiosk.pairing_link ")) << (*entries)[0];
  EXPECT_TRUE((*entries)[1].starts_with("kiosk.paired ")) << (*entries)[1];
  EXPECT_TRUE((*entries)[2].starts_with("kiosk.revoked ")) << (*entries)[2];
  for (const auto& e : *entries) {
    EXPECT_NE(e.find("\"kiosk\":\"entrance\""), std::string::npos) << e;
    EXPECT_EQ(e.find(paired->credential.substr(3)), std::string::npos) << e;
  }
}

TEST_F(KioskPairingsTest, APairedKioskIsPairedAgainOnlyAfterItWasRevoked) {
  ASSERT_TRUE(Redeem(Link("entrance").token).has_value());
  auto twice = db_->WriteSync<KioskPairingLink>(
      [&](store::Connection& c) { return pairings_.CreateLink(c, "entrance"); });
  ASSERT_FALSE(twice.has_value());
  EXPECT_EQ(twice.error().reason, "kiosk-already-paired");
  ASSERT_TRUE(Revoke("entrance").has_value());
  auto again = Redeem(Link("entrance").token);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(Active().size(), 1u);
}

TEST_F(KioskPairingsTest, NamesAreShortAndPlain) {
  EXPECT_TRUE(KioskPairings::CheckName("entrance").has_value());
  EXPECT_TRUE(KioskPairings::CheckName("till-2.left_side").has_value());
  for (std::string_view bad :
       {"", "Entrance", "-x", "a b", "x;y", "\xc3\xa9", "abcdefghijklmnopqrstuvwxyz0123456"}) {
    EXPECT_FALSE(KioskPairings::CheckName(bad).has_value()) << bad;
  }
}

TEST_F(KioskPairingsTest, OnlyKeyedHashesOfLinksAndCredentialsAreAtRest) {
  KioskPairingLink link = Link("entrance");
  KioskPairingLink unused = Link("checkout");
  auto paired = Redeem(link.token);
  ASSERT_TRUE(paired.has_value());
  const std::string bytes = FileBytes();
  for (const std::string& secret : {link.token, unused.token, paired->credential}) {
    const std::string body = secret.substr(3);
    EXPECT_EQ(bytes.find(body), std::string::npos) << "a secret is in the database file";
    auto raw = platform::Base64UrlDecode(body);
    ASSERT_TRUE(raw.has_value());
    EXPECT_EQ(bytes.find(*raw), std::string::npos) << "a secret's bytes are in the database file";
  }
  // The stored hash is keyed: the same credential under another device's key matches nothing.
  const std::string hash = pairings_.CredentialHash(paired->credential);
  EXPECT_NE(bytes.find(hash), std::string::npos);
  privacy::Pseudonymizer other_device(std::string(32, 'p'), std::string(32, 'X'));
  KioskPairings other(clock_, random_, other_device);
  EXPECT_NE(other.CredentialHash(paired->credential), hash);
  EXPECT_EQ(hash.size(), 32u);
}

TEST(KioskAccessTest, TheBoxsOwnBrowserIsAdmittedOnlyWhenAllowedAndNotForwarded) {
  platform::FakeClock clock;
  platform::SeededRandom random(1);
  privacy::Pseudonymizer pseudonymizer(std::string(32, 'p'), std::string(32, 't'));
  KioskPairings pairings(clock, random, pseudonymizer);
  KioskAccess allowed(pairings, true);
  KioskAccess refused(pairings, false);
  for (std::string_view address : {"127.0.0.1", "::1", "::ffff:127.0.0.1", "127.0.1.1"}) {
    net::Request r;
    r.remote_address = std::string(address);
    EXPECT_TRUE(allowed.Identify(r).has_value()) << address;
    EXPECT_FALSE(refused.Identify(r).has_value()) << address;
    r.headers.emplace_back("x-forwarded-for", "198.51.100.7");
    EXPECT_FALSE(allowed.Identify(r).has_value()) << "a proxy on the box forwarded " << address;
  }
  net::Request guest;
  guest.remote_address = "192.168.1.20";
  EXPECT_FALSE(allowed.Identify(guest).has_value());
  EXPECT_EQ(KioskAccess::CredentialFromCookies("a=1;optin_kiosk=kc_x ; b=2"), "kc_x");
  EXPECT_EQ(KioskAccess::CredentialFromCookies("not_optin_kiosk=kc_x"), "");
}

}  // namespace
}  // namespace optin::kiosk::kiosk_pairings_test
