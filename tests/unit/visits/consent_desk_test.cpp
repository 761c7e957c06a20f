// The consent change use case with plain values (who, the change, the language), over a real
// SQLite database: the shopper found by app subject or visit token, one purpose changed with a
// receipt, history refused on an anonymous web visit, nothing written on a refusal.
#include "visits/consent_desk.h"

#include <gtest/gtest.h>

#include <future>
#include <string>

#include "tests/support/domain_fixture.h"

namespace optin::visits::consent_desk_test {
namespace {

using consent::ConsentState;
using consent::Purpose;
using optin::testing::ValueOrDie;

class ConsentDeskTest : public ::testing::Test {
 protected:
  ConsentDeskTest() : desk_(world_.database().db(), world_.visits(), world_.ledger()) {}

  Result<consent::ConsentReceipt> Change(ShopperRef who, consent::ConsentChange change) {
    std::promise<Result<consent::ConsentReceipt>> p;
    auto f = p.get_future();
    desk_.Change(std::move(who), change, "",
                 [&p](Result<consent::ConsentReceipt> r) { p.set_value(std::move(r)); });
    EXPECT_EQ(f.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    return f.get();
  }

  optin::testing::VisitsWorld world_;
  ConsentDesk desk_;
};

TEST_F(ConsentDeskTest, AnAppShopperGrantsAPurposeAndGetsAReceiptNamingIt) {
  ASSERT_TRUE(world_.CheckIn("subject-1", "jti-1"));
  auto r = Change(ShopperRef{.subject_id = "subject-1", .visit_token = std::nullopt},
                  {Purpose::kOffers, true});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(r->jws.empty());
  EXPECT_EQ(world_.StatusOf("subject-1", Purpose::kOffers).state, ConsentState::kGranted);
}

TEST_F(ConsentDeskTest, AVisitTokenFindsItsShopper) {
  auto visit =
      ValueOrDie(world_.CheckIn("subject-2", "jti-2", {{Purpose::kOffers, true}}), "check-in");
  auto r = Change(ShopperRef{.subject_id = std::nullopt, .visit_token = visit.visit_token},
                  {Purpose::kOffers, false});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(world_.StatusOf("subject-2", Purpose::kOffers).state, ConsentState::kWithdrawn);
}

TEST_F(ConsentDeskTest, HistoryOnAnAnonymousWebVisitIsRefusedAndNothingIsWritten) {
  auto visit = ValueOrDie(world_.CheckIn("", "", {}, "web"), "web check-in");
  const int64_t receipts = world_.database().Count("receipts");
  auto r = Change(ShopperRef{.subject_id = std::nullopt, .visit_token = visit.visit_token},
                  {Purpose::kHistory, true});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().reason, "purpose-needs-app");
  EXPECT_EQ(r.error().field, "/granted");
  EXPECT_EQ(world_.database().Count("receipts"), receipts);
}

TEST_F(ConsentDeskTest, AnUnknownVisitTokenIsRefused) {
  auto r = Change(ShopperRef{.subject_id = std::nullopt, .visit_token = "vt_nothing"},
                  {Purpose::kOffers, true});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
}

}  // namespace
}  // namespace optin::visits::consent_desk_test
