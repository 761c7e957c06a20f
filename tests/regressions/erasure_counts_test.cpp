// Regression: DELETE /v1/me ended the open visit before counting, and the visit's end hook
// (interests are dropped at the end of a visit without `history`) removed the interests first,
// so the erasure receipt said "interests: 0" for a shopper who had declared some.
#include <gtest/gtest.h>

#include "privacy/data_rights.h"
#include "tests/support/domain_world.h"

namespace optin::testing::erasure_counts_test {
namespace {

TEST(ErasureCountsRegression, InterestsOfTheOpenVisitAreCountedInTheErasureReceipt) {
  DomainWorld world;  // the daemon's hooks and DataRights registrations
  offers::DeclaredInterests& interests = world.interests();
  privacy::DataRights& rights = world.rights();

  const std::string subject = world.Subject("regression-erasure");
  ASSERT_TRUE(world.CheckIn(subject, "jti-1", {{consent::Purpose::kOffers, true}}));
  auto erased = world.database().Write([&](store::Connection& c)
                                           -> Result<privacy::ErasureSummary> {
    OPTIN_TRY(interests.Replace(c, subject, {{"climbing", "beginner"}, {"cycling", std::nullopt}}));
    return rights.Erase(c, subject, world.clock().NowUnix());
  });
  ASSERT_TRUE(erased) << erased.error().message;
  EXPECT_EQ(erased->deleted.at("interests"), 2);
  EXPECT_EQ(erased->deleted.at("visits"), 1);
  EXPECT_EQ(erased->deleted.at("subjects"), 1);
}

}  // namespace
}  // namespace optin::testing::erasure_counts_test
