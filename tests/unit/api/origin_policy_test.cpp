// The WebSockets' Origin check (issue 18 part 5): only the box's own origins, its host names
// and IP addresses on the listener's port, with https (http only under plain_http).
#include "api/origin_policy.h"

#include <gtest/gtest.h>

namespace optin::api::origin_policy_test {
namespace {

net::Request Upgrade(std::vector<std::string> origins) {
  net::Request r;
  for (auto& o : origins) r.headers.emplace_back("origin", std::move(o));
  return r;
}

TEST(OriginPolicyTest, OnlyTheBoxsOwnNamesAddressesAndPortAreAllowed) {
  OriginPolicy policy({"box.store.example", "localhost"}, {"192.168.1.10", "fd00::1"}, true, 8443);
  for (std::string_view ok :
       {"https://box.store.example:8443", "https://BOX.store.example:8443",
        "https://localhost:8443", "https://192.168.1.10:8443", "https://[fd00::1]:8443",
        "https://[fd00:0::1]:8443", "HTTPS://localhost:8443"}) {
    EXPECT_TRUE(policy.Allows(ok)) << ok;
  }
  for (std::string_view bad :
       {"https://evil.example:8443", "https://box.store.example", "http://box.store.example:8443",
        "https://box.store.example:8444", "https://box.store.example.evil.example:8443",
        "https://box.store.example:8443/", "https://user@box.store.example:8443", "null", "",
        "box.store.example:8443", "https://:8443", "https://[fd00::1:8443",
        "https://box.store.example:08443x", "https://box.store.example:99999"}) {
    EXPECT_FALSE(policy.Allows(bad)) << bad;
  }
}

TEST(OriginPolicyTest, TheDefaultPortIsImpliedAndTheBoundPortCounts) {
  OriginPolicy policy({"box.store.example"}, {}, true, 443);
  EXPECT_TRUE(policy.Allows("https://box.store.example"));
  EXPECT_TRUE(policy.Allows("https://box.store.example:443"));
  OriginPolicy plain({"localhost"}, {"127.0.0.1"}, false, 0);
  EXPECT_FALSE(plain.Allows("http://localhost:41234"));
  plain.SetPort(41234);
  EXPECT_TRUE(plain.Allows("http://localhost:41234"));
  EXPECT_FALSE(plain.Allows("https://localhost:41234"));
}

TEST(OriginPolicyTest, AForeignOrRepeatedOriginGets403ProblemAndNoOriginPasses) {
  OriginPolicy policy({"localhost"}, {"127.0.0.1"}, true, 8443);
  EXPECT_FALSE(policy.Check(Upgrade({})).has_value());
  EXPECT_FALSE(policy.Check(Upgrade({"https://localhost:8443"})).has_value());
  auto refused = policy.Check(Upgrade({"https://evil.example"}));
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 403);
  EXPECT_EQ(refused->content_type, "application/problem+json");
  EXPECT_NE(refused->body.find("urn:optin-edge:problem:origin-not-allowed"), std::string::npos);
  EXPECT_TRUE(policy.Check(Upgrade({"https://localhost:8443", "https://evil.example"})));
  EXPECT_TRUE(policy.Check(Upgrade({"https://localhost:8443", "https://localhost:8443"})));
}

}  // namespace
}  // namespace optin::api::origin_policy_test
