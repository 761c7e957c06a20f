#include "notices/canonical_json.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace optin::notices::canonical_json_test {
namespace {

std::string Canon(std::string_view json) {
  auto r = CanonicalJson(boost::json::parse(json));
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  return r ? *r : std::string();
}

TEST(CanonicalJsonTest, MembersAreSortedAndWhitespaceIsGone) {
  EXPECT_EQ(Canon(R"( { "b" : 1 , "a" : [ 3, 1, 2 ], "c": {"z": null, "y": true} } )"),
            R"({"a":[3,1,2],"b":1,"c":{"y":true,"z":null}})");
}

// RFC 8785 3.2.3: the order is by UTF-16 code units, not by code points or UTF-8 bytes. U+1F600
// is the surrogate pair D83D DE00, so it sorts before U+FB33 although its code point (and its
// UTF-8 bytes, F0 ...) is larger.
TEST(CanonicalJsonTest, MembersSortByUtf16CodeUnitsAsInRfc8785) {
  const std::string in =
      "{\"\\u20ac\":\"Euro Sign\",\"\\r\":\"Carriage Return\",\"\\ufb33\":\"Hebrew Letter "
      "Dalet With Dagesh\",\"1\":\"One\",\"\\ud83d\\ude00\":\"Emoji: Grinning Face\","
      "\"\\u0080\":\"Control\",\"\\u00f6\":\"Latin Small Letter O With Diaeresis\"}";
  const std::string expected =
      "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\xC2\x80\":\"Control\",\"\xC3\xB6\":\"Latin "
      "Small Letter O With Diaeresis\",\"\xE2\x82\xAC\":\"Euro Sign\",\"\xF0\x9F\x98\x80\":"
      "\"Emoji: Grinning Face\",\"\xEF\xAC\xB3\":\"Hebrew Letter Dalet With Dagesh\"}";
  EXPECT_EQ(Canon(in), expected);
  EXPECT_TRUE(Utf16Less("\xF0\x9F\x98\x80", "\xEF\xAC\xB3"));
  EXPECT_FALSE(Utf16Less("\xEF\xAC\xB3", "\xF0\x9F\x98\x80"));
}

TEST(CanonicalJsonTest, StringsAreEscapedAsRfc8785Says) {
  // Short escapes for \b \t \n \f \r, \u00xx (lowercase) for other controls, '"' and '\\'
  // escaped; '/', non-ASCII and U+2028 left as they are.
  EXPECT_EQ(Canon(R"(["\u0008\u0009\n\u000c\r", "\u0001\u001F", "q\"b\\s/", "é\u2028"])"),
            "[\"\\b\\t\\n\\f\\r\",\"\\u0001\\u001f\",\"q\\\"b\\\\s/\",\"\xC3\xA9\xE2\x80\xA8\"]");
}

TEST(CanonicalJsonTest, IntegersAreDecimalUpToTwoToThe53) {
  EXPECT_EQ(Canon("[0, -0, 7, -12, 9007199254740991, -9007199254740991]"),
            "[0,0,7,-12,9007199254740991,-9007199254740991]");
}

TEST(CanonicalJsonTest, FractionsAndHugeIntegersAreRefusedNamingTheirPointer) {
  auto fraction = CanonicalJson(boost::json::parse(R"({"a": {"b~c": [1, 2.5]}})"));
  ASSERT_FALSE(fraction);
  EXPECT_EQ(fraction.error().field, "/a/b~0c/1");
  EXPECT_EQ(fraction.error().reason, "not-canonical");
  auto huge = CanonicalJson(boost::json::parse(R"({"n": 9007199254740992})"));
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error().field, "/n");
}

TEST(CanonicalJsonTest, ReserializingTheCanonicalFormChangesNothing) {
  const std::string once =
      Canon(R"({"z":"\u00e9t\u00e9","a":{"y":[1,"\u0000",{"k":false}],"\u00e9":"x"},"m":-3})");
  EXPECT_EQ(Canon(once), once);
}

TEST(CanonicalJsonTest, Sha256HexIsTheKnownDigest) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace optin::notices::canonical_json_test
