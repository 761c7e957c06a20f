#include "platform/log.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace optin::platform::log::log_test {
namespace {

constexpr int64_t kMillis = 1795444716123;  // 2026-11-23T14:38:36.123Z

TEST(LogTest, FormatWritesOneJsonLineWithFieldsInOrder) {
  const std::string line =
      Format(Level::kInfo, "visit.checked_in",
             {{"purposes", 3}, {"ok", true}, {"ms", 1.5}, {"via", "app"}}, kMillis);
  EXPECT_EQ(line, R"({"ts":"2026-11-23T14:38:36.123Z","level":"info","event":"visit.checked_in",)"
                  R"("purposes":3,"ok":true,"ms":1.5,"via":"app"})");
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(LogTest, FormatNamesEveryLevelAndPadsTheTimestamp) {
  EXPECT_EQ(Format(Level::kDebug, "e", {}, 0),
            R"({"ts":"1970-01-01T00:00:00.000Z","level":"debug","event":"e"})");
  EXPECT_NE(
      Format(Level::kWarn, "e", {}, 5).find(R"("ts":"1970-01-01T00:00:00.005Z","level":"warn")"),
      std::string::npos);
  EXPECT_NE(Format(Level::kError, "e", {}, 0).find(R"("level":"error")"), std::string::npos);
}

TEST(LogTest, FormatEscapesQuotesBackslashesAndControlCharacters) {
  const std::string line = Format(
      Level::kWarn, "bad \"event\"",
      {{"path", "C:\\x"}, {"text", std::string("a\nb\tc\x01\x1f", 7)}, {"k\"ey", "v"}}, kMillis);
  EXPECT_NE(line.find(R"("event":"bad \"event\"")"), std::string::npos) << line;
  EXPECT_NE(line.find(R"("path":"C:\\x")"), std::string::npos) << line;
  EXPECT_NE(line.find(R"("text":"a\u000ab\u0009c\u0001\u001f")"), std::string::npos) << line;
  EXPECT_NE(line.find(R"("k\"ey":"v")"), std::string::npos) << line;
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(LogTest, FormatKeepsValidUtf8AndReplacesInvalidBytes) {
  const std::string line = Format(Level::kInfo, "e", {{"s", "caf\xc3\xa9 \xff"}}, 0);
  EXPECT_NE(line.find("\"s\":\"caf\xc3\xa9 \\ufffd\""), std::string::npos) << line;
}

TEST(LogTest, NonFiniteDoublesBecomeNull) {
  const std::string line = Format(Level::kInfo, "e",
                                  {{"nan", std::nan("")},
                                   {"inf", std::numeric_limits<double>::infinity()},
                                   {"neg", -2.0},
                                   {"big", int64_t{-9007199254740993}}},
                                  kMillis);
  EXPECT_NE(line.find(R"("nan":null,"inf":null,"neg":-2,"big":-9007199254740993})"),
            std::string::npos)
      << line;
}

class LogSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetSink([this](std::string_view line) { lines_.emplace_back(line); });
  }
  void TearDown() override {
    SetSink(nullptr);
    SetMinLevel(Level::kInfo);
  }
  std::vector<std::string> lines_;
};

TEST_F(LogSinkTest, WriteSendsOneLineToTheSinkAndFiltersByLevel) {
  Debug("hidden");
  Info("shown", {{"count", 2}});
  Error("also.shown");
  ASSERT_EQ(lines_.size(), 2u);
  EXPECT_NE(lines_[0].find(R"("level":"info","event":"shown","count":2})"), std::string::npos);
  EXPECT_EQ(lines_[0].back(), '}');
  EXPECT_NE(lines_[1].find(R"("event":"also.shown")"), std::string::npos);

  SetMinLevel(Level::kDebug);
  Debug("now.shown");
  SetMinLevel(Level::kError);
  Warn("filtered");
  ASSERT_EQ(lines_.size(), 3u);
  EXPECT_NE(lines_[2].find(R"("level":"debug")"), std::string::npos);
}

}  // namespace
}  // namespace optin::platform::log::log_test
