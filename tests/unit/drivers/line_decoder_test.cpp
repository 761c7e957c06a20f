#include "drivers/line_decoder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "drivers/token_bucket.h"

namespace optin::drivers::line_decoder_test {
namespace {

using std::chrono::milliseconds;

struct Out {
  std::vector<std::string> scans;
  std::vector<std::string> refused;
};

Out Feed(LineDecoder& d, std::string_view bytes, int ms = 0) {
  Out out;
  for (DecodedScan& s : d.Feed(bytes, platform::MonoTime{} + milliseconds(ms))) {
    if (s.ok()) {
      out.scans.push_back(s.text);
    } else {
      out.refused.emplace_back(ToString(*s.refusal));
    }
  }
  return out;
}

LineDecoder Decoder(Terminator t = Terminator::kEnter, size_t max_length = 2048) {
  return LineDecoder(t, max_length, milliseconds(300));
}

TEST(LineDecoderTest, EnterSplitsOnCrLfOrCrlfWithoutEmptyScans) {
  auto d = Decoder();
  auto out = Feed(d, "one\r\ntwo\nthree\rfour");
  EXPECT_EQ(out.scans, (std::vector<std::string>{"one", "two", "three"}));
  EXPECT_EQ(Feed(d, "\r\n").scans, std::vector<std::string>{"four"});
}

TEST(LineDecoderTest, LfTerminatorStripsCarriageReturns) {
  auto d = Decoder(Terminator::kLf);
  EXPECT_EQ(Feed(d, "abc\r\ndef\n").scans, (std::vector<std::string>{"abc", "def"}));
}

TEST(LineDecoderTest, CrTerminatorStripsLineFeeds) {
  auto d = Decoder(Terminator::kCr);
  EXPECT_EQ(Feed(d, "abc\r\ndef\r").scans, (std::vector<std::string>{"abc", "def"}));
}

TEST(LineDecoderTest, TabTerminatorSplitsOnTabsAndStripsLineEndings) {
  auto d = Decoder(Terminator::kTab);
  EXPECT_EQ(Feed(d, "abc\tdef\r\n\t").scans, (std::vector<std::string>{"abc", "def"}));
}

TEST(LineDecoderTest, ScansArrivingInPiecesAreJoined) {
  auto d = Decoder();
  EXPECT_TRUE(Feed(d, "eyJhbG", 0).scans.empty());
  EXPECT_TRUE(Feed(d, "ciOi.x", 5).scans.empty());
  EXPECT_EQ(Feed(d, "y.z\n", 10).scans, std::vector<std::string>{"eyJhbGciOi.xy.z"});
}

TEST(LineDecoderTest, ControlCharactersAndNonAsciiBytesRefuseTheScan) {
  auto d = Decoder();
  auto out = Feed(d, std::string("ab\x07"
                                 "c\n"
                                 "caf\xc3\xa9\n"
                                 "ok\n",
                                 14));
  EXPECT_EQ(out.scans, std::vector<std::string>{"ok"});
  EXPECT_EQ(out.refused, (std::vector<std::string>{"control-character", "not-ascii"}));
}

TEST(LineDecoderTest, OverLongScansAreRefused) {
  auto d = Decoder(Terminator::kEnter, 4);
  auto out = Feed(d, "12345\n1234\n");
  EXPECT_EQ(out.scans, std::vector<std::string>{"1234"});
  EXPECT_EQ(out.refused, std::vector<std::string>{"too-long"});
}

TEST(LineDecoderTest, PartialScanIsDroppedAfterThePartialTimeout) {
  auto d = Decoder();
  Feed(d, "stale", 0);
  auto out = Feed(d, "fresh\n", 301);
  EXPECT_EQ(out.scans, std::vector<std::string>{"fresh"});
  EXPECT_EQ(out.refused, std::vector<std::string>{"incomplete"});
}

TEST(TokenBucketTest, AllowsABurstOfTheRateThenRefillsOverTime) {
  TokenBucket bucket(5);
  const platform::MonoTime t0{};
  int allowed = 0;
  for (int i = 0; i < 50; ++i) allowed += bucket.Allow(t0) ? 1 : 0;
  EXPECT_EQ(allowed, 5);
  EXPECT_FALSE(bucket.Allow(t0 + milliseconds(100)));
  EXPECT_TRUE(bucket.Allow(t0 + milliseconds(250)));  // 1.25 tokens refilled
  allowed = 0;
  for (int i = 0; i < 50; ++i) allowed += bucket.Allow(t0 + std::chrono::seconds(10)) ? 1 : 0;
  EXPECT_EQ(allowed, 5);  // never more than the burst
}

}  // namespace
}  // namespace optin::drivers::line_decoder_test
