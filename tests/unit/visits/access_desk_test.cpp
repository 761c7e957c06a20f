// The access use cases with plain values over a real SQLite database (the consent and visit
// records registered with DataRights, as the daemon does): what is held on the shopper found by
// visit token or app token subject (the export document, the visit in progress, every purpose,
// the policy in force), their own receipts oldest first, and an unknown visit token refused.
#include "visits/access_desk.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/support/domain_fixture.h"

namespace optin::visits::access_desk_test {
namespace {

using consent::Purpose;
using optin::testing::ValueOrDie;

class AccessDeskTest : public ::testing::Test {
 protected:
  AccessDeskTest() : rights_(Rights(world_)), desk_(world_.visits(), world_.ledger(), rights_) {}

  static privacy::DataRights Rights(optin::testing::VisitsWorld& world) {
    privacy::DataRights rights;
    rights.Register(world.ledger().consent_records());
    rights.Register(world.ledger().receipt_records());
    rights.Register(world.visits().records());
    return rights;
  }

  Result<ShopperData> Gather(const ShopperRef& who) {
    return world_.database().Read(
        [&](store::Connection& c) -> Result<ShopperData> { return desk_.Gather(c, who); });
  }
  Result<std::vector<consent::ConsentReceipt>> Receipts(const ShopperRef& who) {
    return world_.database().Read(
        [&](store::Connection& c) -> Result<std::vector<consent::ConsentReceipt>> {
          return desk_.Receipts(c, who);
        });
  }

  optin::testing::VisitsWorld world_;
  privacy::DataRights rights_;
  AccessDesk desk_;
};

TEST_F(AccessDeskTest, AShopperFoundByVisitTokenSeesTheirExportVisitPurposesAndPolicy) {
  ASSERT_TRUE(world_.CheckIn("subject-0", "jti-0", {{Purpose::kOffers, true}}));
  auto r = ValueOrDie(world_.CheckIn("subject-1", "jti-1", {{Purpose::kOffers, true}}), "check-in");
  auto data = Gather({.subject_id = std::nullopt, .visit_token = r.visit_token});
  ASSERT_TRUE(data) << data.error().message;
  EXPECT_EQ(data->exported.at("subject").at("pseudonym").as_string(), "subject-1");
  ASSERT_TRUE(data->current_visit.has_value());
  EXPECT_EQ(data->current_visit->id, r.visit.id);
  ASSERT_EQ(data->purposes.size(), r.receipt.purposes.size());
  EXPECT_TRUE(data->purposes[static_cast<size_t>(Purpose::kOffers)].in_force());
  EXPECT_FALSE(data->purposes[static_cast<size_t>(Purpose::kAssistance)].in_force());
  EXPECT_EQ(data->policy_version, world_.ledger().policy().policy_version);
}

TEST_F(AccessDeskTest, AShopperWithoutAVisitInProgressHasNoCurrentVisitButKeepsTheirRecords) {
  auto r = ValueOrDie(world_.CheckIn("subject-2", "jti-2", {{Purpose::kOffers, true}}), "check-in");
  ASSERT_TRUE(world_.database().Write(
      [&](store::Connection& c) { return world_.visits().End(c, r.visit); }));
  auto data = Gather({.subject_id = "subject-2", .visit_token = std::nullopt});
  ASSERT_TRUE(data) << data.error().message;
  EXPECT_FALSE(data->current_visit.has_value());
  EXPECT_EQ(data->exported.at("subject").at("pseudonym").as_string(), "subject-2");
  EXPECT_FALSE(data->exported.at("subject").at("known_since").is_null());
}

TEST_F(AccessDeskTest, GatheringWithAnUnknownVisitTokenIsRefused) {
  ASSERT_TRUE(world_.CheckIn("subject-3", "jti-3"));
  auto data = Gather({.subject_id = std::nullopt, .visit_token = "vt_nothing"});
  ASSERT_FALSE(data);
  EXPECT_EQ(data.error().code, ErrorCode::kUnauthenticated);
}

TEST_F(AccessDeskTest, ReceiptsAreTheShoppersOwnOldestFirst) {
  auto first =
      ValueOrDie(world_.CheckIn("subject-4", "jti-4", {{Purpose::kOffers, true}}), "check-in");
  ASSERT_TRUE(world_.CheckIn("subject-5", "jti-5", {{Purpose::kOffers, true}}));
  world_.clock().Advance(std::chrono::seconds(5));
  auto second = ValueOrDie(world_.Withdraw("subject-4", {Purpose::kOffers}), "withdraw");
  auto receipts = Receipts({.subject_id = std::nullopt, .visit_token = first.visit_token});
  ASSERT_TRUE(receipts) << receipts.error().message;
  ASSERT_EQ(receipts->size(), 2u);
  EXPECT_EQ((*receipts)[0].id, first.receipt.id);
  EXPECT_EQ((*receipts)[1].id, second.id);
  EXPECT_EQ((*receipts)[1].jws, second.jws);
}

TEST_F(AccessDeskTest, ReceiptsWithAnUnknownVisitTokenAreRefused) {
  ASSERT_TRUE(world_.CheckIn("subject-6", "jti-6", {{Purpose::kOffers, true}}));
  auto receipts = Receipts({.subject_id = std::nullopt, .visit_token = "vt_nothing"});
  ASSERT_FALSE(receipts);
  EXPECT_EQ(receipts.error().code, ErrorCode::kUnauthenticated);
}

}  // namespace
}  // namespace optin::visits::access_desk_test
