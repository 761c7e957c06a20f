// The erasure use case with plain values over a real SQLite database (the consent and visit
// records registered with DataRights, as the daemon does): the shopper found by visit token,
// everything of theirs erased, a receipt signed by the device, and an unknown shopper refused
// with nothing erased.
#include "visits/erasure_desk.h"

#include <gtest/gtest.h>

#include <future>
#include <string>

#include "privacy/jws.h"
#include "tests/support/domain_fixture.h"

namespace optin::visits::erasure_desk_test {
namespace {

using optin::testing::ValueOrDie;

class ErasureDeskTest : public ::testing::Test {
 protected:
  ErasureDeskTest()
      : rights_(Rights(world_)),
        signer_(world_.keys().signing_key(), world_.keys().random()),
        desk_(world_.database().db(), world_.clock(), world_.visits(), rights_, signer_,
              "store-0042") {}

  Result<Erasure> Erase(ShopperRef who) {
    std::promise<Result<Erasure>> p;
    auto f = p.get_future();
    desk_.Erase(std::move(who), [&p](Result<Erasure> r) { p.set_value(std::move(r)); });
    EXPECT_EQ(f.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    return f.get();
  }

  static privacy::DataRights Rights(optin::testing::VisitsWorld& world) {
    privacy::DataRights rights;
    rights.Register(world.ledger().consent_records());
    rights.Register(world.ledger().receipt_records());
    rights.Register(world.visits().records());
    return rights;
  }

  optin::testing::VisitsWorld world_;
  privacy::DataRights rights_;
  privacy::ReceiptSigner signer_;
  ErasureDesk desk_;
};

TEST_F(ErasureDeskTest, AShopperFoundByVisitTokenIsErasedWithASignedReceipt) {
  auto visit = ValueOrDie(world_.CheckIn("subject-1", "jti-1", {{consent::Purpose::kOffers, true}}),
                          "check-in");
  ASSERT_EQ(world_.database().Count("visits"), 1);
  auto r = Erase(ShopperRef{.subject_id = std::nullopt, .visit_token = visit.visit_token});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->summary.deleted.at("subjects"), 1);
  EXPECT_EQ(world_.database().Count("visits"), 0);
  EXPECT_EQ(world_.database().Count("subjects"), 0);
  EXPECT_TRUE(privacy::VerifyJws(world_.keys().signing_key().PublicKey(), r->receipt_jws));
}

TEST_F(ErasureDeskTest, AnUnknownVisitTokenErasesNothing) {
  ASSERT_TRUE(world_.CheckIn("subject-2", "jti-2"));
  auto r = Erase(ShopperRef{.subject_id = std::nullopt, .visit_token = "vt_nothing"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(world_.database().Count("visits"), 1);
}

}  // namespace
}  // namespace optin::visits::erasure_desk_test
