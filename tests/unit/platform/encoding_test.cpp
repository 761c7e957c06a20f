#include "platform/encoding.h"

#include <gtest/gtest.h>

#include <string>

namespace optin::platform::encoding_test {
namespace {

std::string AllBytes() {
  std::string s;
  for (int i = 0; i < 256; ++i) s.push_back(static_cast<char>(i));
  return s;
}

TEST(EncodingTest, HexRoundTripsAndIsLowercase) {
  EXPECT_EQ(HexEncode(std::string("\x00\x01\xab\xff", 4)), "0001abff");
  EXPECT_EQ(HexDecode("0001ABff"), std::string("\x00\x01\xab\xff", 4));
  EXPECT_EQ(HexDecode(HexEncode(AllBytes())), AllBytes());
  EXPECT_EQ(HexDecode(""), "");
}

TEST(EncodingTest, HexDecodeRejectsOddLengthAndNonHex) {
  EXPECT_FALSE(HexDecode("abc"));
  EXPECT_FALSE(HexDecode("zz"));
  EXPECT_FALSE(HexDecode("0 "));
}

TEST(EncodingTest, Base64MatchesRfc4648Vectors) {
  const std::pair<std::string, std::string> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(Base64Encode(plain), encoded);
    EXPECT_EQ(Base64Decode(encoded), plain) << encoded;
  }
  EXPECT_EQ(Base64Decode(Base64Encode(AllBytes())), AllBytes());
}

TEST(EncodingTest, Base64DecodeRejectsMalformedInput) {
  EXPECT_FALSE(Base64Decode("Zg"));      // missing padding
  EXPECT_FALSE(Base64Decode("Zg="));     // wrong length
  EXPECT_FALSE(Base64Decode("Z==="));    // too much padding
  EXPECT_FALSE(Base64Decode("Zg=a"));    // padding in the middle
  EXPECT_FALSE(Base64Decode("Zm9v\n"));  // whitespace
  EXPECT_FALSE(Base64Decode("Zm-_"));    // URL alphabet
  EXPECT_FALSE(Base64Decode("Zh=="));    // non-zero unused bits
}

TEST(EncodingTest, Base64UrlHasNoPaddingAndUsesTheUrlAlphabet) {
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(Base64UrlEncode("fo"), "Zm8");
  EXPECT_EQ(Base64UrlEncode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64UrlEncode("\xfb\xff\xbf"), "-_-_");
  EXPECT_EQ(Base64UrlDecode("-_-_"), "\xfb\xff\xbf");
  EXPECT_EQ(Base64UrlDecode(Base64UrlEncode(AllBytes())), AllBytes());
  for (size_t n = 0; n < 10; ++n) {
    const std::string bytes = AllBytes().substr(250 - n, n);
    EXPECT_EQ(Base64UrlDecode(Base64UrlEncode(bytes)), bytes);
  }
}

TEST(EncodingTest, Base64UrlDecodeRejectsPaddingWhitespaceBadCharsAndImpossibleLengths) {
  EXPECT_FALSE(Base64UrlDecode("Zg=="));
  EXPECT_FALSE(Base64UrlDecode("Zm8="));
  EXPECT_FALSE(Base64UrlDecode("Zm9v "));
  EXPECT_FALSE(Base64UrlDecode(" Zm9v"));
  EXPECT_FALSE(Base64UrlDecode("Zm\n9v"));
  EXPECT_FALSE(Base64UrlDecode("Zm+/"));  // standard alphabet
  EXPECT_FALSE(Base64UrlDecode("Zm9*"));
  EXPECT_FALSE(Base64UrlDecode(std::string("Zm\0v", 4)));
  EXPECT_FALSE(Base64UrlDecode("Z"));  // one leftover character encodes no byte
  EXPECT_FALSE(Base64UrlDecode("Zm9vY"));
  EXPECT_FALSE(Base64UrlDecode("Zh"));  // non-canonical: unused bits set
  EXPECT_EQ(Base64UrlDecode(""), "");
}

TEST(EncodingTest, Base32CrockfordUsesTheUppercaseAlphabetWithoutPadding) {
  EXPECT_EQ(Base32CrockfordEncode(""), "");
  EXPECT_EQ(Base32CrockfordEncode("f"), "CR");
  EXPECT_EQ(Base32CrockfordEncode("fo"), "CSQG");
  EXPECT_EQ(Base32CrockfordEncode("foo"), "CSQPY");
  EXPECT_EQ(Base32CrockfordEncode("foobar"), "CSQPYRK1E8");
  EXPECT_EQ(Base32CrockfordEncode("\xff\xff\xff\xff\xff"), "ZZZZZZZZ");
  EXPECT_EQ(Base32CrockfordEncode(std::string("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09", 10)),
            "000G40R40M30E209");
  const std::string all = Base32CrockfordEncode(AllBytes());
  EXPECT_EQ(all.find_first_not_of("0123456789ABCDEFGHJKMNPQRSTVWXYZ"), std::string::npos);
}

}  // namespace
}  // namespace optin::platform::encoding_test
