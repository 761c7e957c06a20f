#include "privacy/receipt_signer.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

#include "privacy/jws.h"
#include "tests/support/domain_fixture.h"

namespace optin::privacy::receipt_signer_test {
namespace {

using optin::testing::DeviceKeys;

TEST(ReceiptSignerTest, ReceiptVerifiesWithTheDevicePublicKeyAndNamesItsKey) {
  DeviceKeys keys;
  boost::json::object payload{{"receiptID", "r-1"}, {"deleted", boost::json::object{{"x", 1}}}};
  auto jws = keys.signer().Sign("consent-receipt+jws", payload);
  ASSERT_TRUE(jws) << jws.error().message;
  auto parsed = VerifyJws(keys.public_key(), *jws);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->payload, payload);
  EXPECT_EQ(parsed->header.at("typ"), "consent-receipt+jws");
  EXPECT_EQ(parsed->header.at("kid").as_string(), keys.public_key().KeyId());
  EXPECT_EQ(keys.signer().key_id(), keys.public_key().KeyId());
}

TEST(ReceiptSignerTest, ReceiptDoesNotVerifyWithAnotherDevicesKey) {
  DeviceKeys ours(1);
  DeviceKeys theirs(2);
  auto jws = ours.signer().Sign("erasure-receipt+jws", boost::json::object{{"a", 1}});
  ASSERT_TRUE(jws);
  EXPECT_FALSE(VerifyJws(theirs.public_key(), *jws));
}

TEST(ReceiptSignerTest, ReceiptIdsAreDistinctVersion4Uuids) {
  DeviceKeys keys;
  const std::regex uuid_v4("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    std::string id = keys.signer().NewReceiptId();
    EXPECT_TRUE(std::regex_match(id, uuid_v4)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 200u);
}

}  // namespace
}  // namespace optin::privacy::receipt_signer_test
