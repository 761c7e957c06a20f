#include "visits/scan_check_in.h"

#include <gtest/gtest.h>

#include <boost/json/object.hpp>
#include <future>
#include <string>
#include <vector>

#include "platform/crypto.h"
#include "privacy/jws.h"
#include "tests/support/domain_fixture.h"
#include "visits/app_token_verifier.h"
#include "visits/presence_code.h"

namespace optin::visits::scan_check_in_test {
namespace {

using optin::testing::ValueOrDie;

constexpr std::string_view kStore = "store-0042";
constexpr std::string_view kIssuer = "https://hq.example";

class ScanCheckInTest : public ::testing::Test {
 protected:
  ScanCheckInTest()
      : hq_random_(7),
        hq_key_(ValueOrDie(platform::EcdsaPrivateKey::Generate(hq_random_), "hq key")),
        forger_key_(ValueOrDie(platform::EcdsaPrivateKey::Generate(hq_random_), "forger key")),
        verifier_(world_.clock(), hq_key_.PublicKey(),
                  AppTokenPolicy{std::string(kStore), std::string(kIssuer)}),
        presence_(std::string(32, 'q'), world_.clock()),
        desk_(world_.database().db(), verifier_, presence_, world_.keys().pseudonymizer(),
              world_.visits()),
        scans_(desk_) {}

  boost::json::object Claims(std::string_view jti = "jti-1") {
    const int64_t now = world_.clock().NowUnix();
    return {{"iss", kIssuer}, {"sub", "loyalty-123"}, {"aud", kStore},
            {"iat", now},     {"exp", now + 120},     {"jti", jti}};
  }
  std::string Mint(const boost::json::object& claims) {
    return ValueOrDie(privacy::SignJws(hq_key_, hq_random_, "hq-1", "JWT", claims), "mint");
  }
  std::string LoyaltyCode(std::vector<std::string> purposes, std::string_view jti = "jti-1") {
    boost::json::object c = Claims(jti);
    boost::json::array list;
    for (const auto& p : purposes) list.emplace_back(p);
    c["purposes"] = std::move(list);
    return Mint(c);
  }

  // Submits one scan and waits for its outcome.
  ScanCheckInResult Scan(std::string_view text) {
    std::promise<ScanCheckInResult> p;
    auto f = p.get_future();
    scans_.Submit(text, [&p](ScanCheckInResult r) { p.set_value(std::move(r)); });
    EXPECT_EQ(f.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    return f.get();
  }

  std::string Subject() { return world_.keys().pseudonymizer().SubjectId(kIssuer, "loyalty-123"); }

  optin::testing::VisitsWorld world_;
  platform::SeededRandom hq_random_;
  platform::EcdsaPrivateKey hq_key_;
  platform::EcdsaPrivateKey forger_key_;
  AppTokenVerifier verifier_;
  PresenceCode presence_;
  CheckInDesk desk_;
  ScanCheckIn scans_;
};

TEST_F(ScanCheckInTest, ValidLoyaltyCodeChecksInWithExactlyTheClaimedPurposesAndAReceipt) {
  auto r = Scan(LoyaltyCode({"offers", "history"}));
  ASSERT_TRUE(r.accepted) << r.reason;
  EXPECT_EQ(r.reason, "checked-in");
  EXPECT_FALSE(r.visit_pseudonym.empty());
  EXPECT_EQ(r.purposes, (std::vector<std::string>{"presence", "offers", "history"}));

  const std::string subject = Subject();
  using consent::ConsentState;
  using consent::Purpose;
  EXPECT_EQ(world_.StatusOf(subject, Purpose::kPresence).state, ConsentState::kGranted);
  EXPECT_EQ(world_.StatusOf(subject, Purpose::kOffers).state, ConsentState::kGranted);
  EXPECT_EQ(world_.StatusOf(subject, Purpose::kHistory).state, ConsentState::kGranted);
  EXPECT_EQ(world_.StatusOf(subject, Purpose::kAssistance).state, ConsentState::kWithdrawn);
  EXPECT_EQ(world_.StatusOf(subject, Purpose::kNameToStaff).state, ConsentState::kWithdrawn);
  EXPECT_EQ(world_.StatusOf(subject, Purpose::kHqAggregates).state, ConsentState::kWithdrawn);

  auto visit = ValueOrDie(world_.database().Read([&](store::Connection& c) {
    return world_.visits().ActiveForSubject(c, subject);
  }),
                          "active visit");
  ASSERT_TRUE(visit.has_value());
  EXPECT_EQ(visit->channel, "loyalty_scan");
  EXPECT_EQ(visit->pseudonym, r.visit_pseudonym);
  auto receipts = ValueOrDie(world_.database().Read([&](store::Connection& c) {
    return world_.ledger().Receipts(c, subject);
  }),
                             "receipts");
  ASSERT_EQ(receipts.size(), 1u);
  EXPECT_FALSE(receipts.front().jws.empty());
}

TEST_F(ScanCheckInTest, AScanWithdrawsPurposesTheShopperNoLongerChose) {
  ASSERT_TRUE(Scan(LoyaltyCode({"offers", "assistance"}, "jti-a")).accepted);
  auto r = Scan(LoyaltyCode({"assistance"}, "jti-b"));
  ASSERT_TRUE(r.accepted) << r.reason;
  EXPECT_EQ(r.purposes, (std::vector<std::string>{"presence", "assistance"}));
  EXPECT_EQ(world_.StatusOf(Subject(), consent::Purpose::kOffers).state,
            consent::ConsentState::kWithdrawn);
  // One shopper, one visit: the first one ended.
  EXPECT_EQ(world_.database().Count("visits", "ended_at IS NULL"), 1);
}

TEST_F(ScanCheckInTest, ATokenWithoutPurposesGrantsPresenceOnly) {
  auto r = Scan(Mint(Claims()));
  ASSERT_TRUE(r.accepted) << r.reason;
  EXPECT_EQ(r.purposes, std::vector<std::string>{"presence"});
}

TEST_F(ScanCheckInTest, ReplayedCodeIsRefused) {
  const std::string code = LoyaltyCode({"offers"});
  ASSERT_TRUE(Scan(code).accepted);
  const std::string before = world_.database().Snapshot();
  auto again = Scan(code);
  EXPECT_FALSE(again.accepted);
  EXPECT_EQ(again.reason, "token-replayed");
  EXPECT_TRUE(again.visit_pseudonym.empty());
  EXPECT_EQ(world_.database().Snapshot(), before);
}

TEST_F(ScanCheckInTest, ExpiredWrongStoreAndForgedCodesAreRefusedWithReasons) {
  const std::string expired = LoyaltyCode({"offers"}, "jti-expired");
  world_.clock().Advance(std::chrono::minutes(10));
  EXPECT_EQ(Scan(expired).reason, "token-expired");

  boost::json::object other_store = Claims("jti-store");
  other_store["aud"] = "store-9999";
  EXPECT_EQ(Scan(Mint(other_store)).reason, "token-audience");

  const std::string forged = ValueOrDie(
      privacy::SignJws(forger_key_, hq_random_, "hq-1", "JWT", Claims("jti-forged")), "forge");
  EXPECT_EQ(Scan(forged).reason, "token-signature");

  boost::json::object unknown = Claims("jti-unknown");
  unknown["purposes"] = boost::json::array{"offers", "face_recognition"};
  EXPECT_EQ(Scan(Mint(unknown)).reason, "token-claims");

  EXPECT_EQ(world_.database().Count("visits"), 0);
}

TEST_F(ScanCheckInTest, TextThatIsNotAJwtIsNotALoyaltyCode) {
  for (std::string_view text :
       {"4006381333931", "https://store.example/offer", "", "eyJ", "eyJabc.def", "eyJa.b.c.d",
        "eyJhbGci.e30.sig with space", "eyJhbGciOiJFUzI1NiJ9..sig"}) {
    auto r = Scan(text);
    EXPECT_FALSE(r.accepted) << text;
    EXPECT_EQ(r.reason, "not-a-loyalty-code") << text;
  }
  // Shaped like a JWT but not one: the verifier says why.
  EXPECT_EQ(Scan("eyJhbGciOiJFUzI1NiJ9.eyJ4IjoxfQ.c2lnbmF0dXJl").reason, "token-signature");
}

}  // namespace
}  // namespace optin::visits::scan_check_in_test
