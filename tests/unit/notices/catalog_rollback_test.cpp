// Rollback protection for offer catalog bundles: with the newest issued_at applied so far (kept
// in bundle_floors, see notice_store_test), an older bundle is refused even when it is still
// unexpired and validly signed, and the catalog in force stays.
#include <gtest/gtest.h>

#include <boost/json/object.hpp>

#include "offers/catalog_holder.h"
#include "platform/random.h"
#include "privacy/jws.h"

namespace optin::offers::catalog_rollback_test {
namespace {

namespace json = boost::json;
constexpr int64_t kNow = 1'800'000'000;

class CatalogRollbackTest : public ::testing::Test {
 protected:
  CatalogRollbackTest() : random_(11), hq_(*platform::EcdsaPrivateKey::Generate(random_)) {}

  std::string Bundle(std::string version, std::optional<int64_t> issued_at) {
    json::object p{{"version", version},
                   {"offers", json::array{json::object{{"id", "o-" + version},
                                                       {"title", "Offer " + version},
                                                       {"categories", json::array{"hiking"}},
                                                       {"price", json::object{{"amount_minor", 100},
                                                                              {"currency", "EUR"}}},
                                                       {"valid_from", kNow - 10},
                                                       {"valid_until", kNow + 1000}}}},
                   {"expires_at", kNow + 3600},
                   {"store_id", "store-1"}};
    if (issued_at) p["issued_at"] = *issued_at;
    return *privacy::SignJws(hq_, random_, "hq", kCatalogBundleType, p);
  }
  Status Apply(const std::string& jws, std::optional<int64_t> floor) {
    return holder_.ApplyBundle(jws, hq_.PublicKey(), CatalogRules{{"hiking"}}, kNow, "store-1",
                               floor);
  }

  platform::SeededRandom random_;
  platform::EcdsaPrivateKey hq_;
  CatalogHolder holder_;
};

TEST_F(CatalogRollbackTest, AnOlderSignedUnexpiredBundleIsRefusedAndTheNewerStays) {
  ASSERT_TRUE(Apply(Bundle("new", kNow - 100), std::nullopt));
  EXPECT_EQ(holder_.Current()->issued_at, kNow - 100);
  auto older = Apply(Bundle("old", kNow - 200), kNow - 100);
  ASSERT_FALSE(older);
  EXPECT_EQ(older.error().reason, "bundle-rollback");
  EXPECT_EQ(older.error().field, "/issued_at");
  EXPECT_EQ(holder_.Current()->version, "new");
}

TEST_F(CatalogRollbackTest, TheSameOrANewerIssueIsApplied) {
  EXPECT_TRUE(Apply(Bundle("same", kNow - 100), kNow - 100));
  EXPECT_EQ(holder_.Current()->version, "same");
  EXPECT_TRUE(Apply(Bundle("newer", kNow - 50), kNow - 100));
  EXPECT_EQ(holder_.Current()->version, "newer");
}

TEST_F(CatalogRollbackTest, ABundleWithoutIssuedAtCannotProveItIsNotOlder) {
  EXPECT_TRUE(Apply(Bundle("first", std::nullopt), std::nullopt));
  auto undated = Apply(Bundle("undated", std::nullopt), kNow - 100);
  ASSERT_FALSE(undated);
  EXPECT_EQ(undated.error().reason, "bundle-rollback");
  EXPECT_EQ(holder_.Current()->version, "first");
}

}  // namespace
}  // namespace optin::offers::catalog_rollback_test
