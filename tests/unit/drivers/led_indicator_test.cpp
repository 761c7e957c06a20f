#include "drivers/led_indicator.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "drivers/fake_indicator.h"
#include "platform/file_system.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/drivers/scan_recorder.h"

namespace optin::drivers::led_indicator_test {
namespace {

using std::chrono::milliseconds;

std::string Read(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

LedOptions Options(const std::filesystem::path& file) {
  LedOptions o;
  o.brightness = file;
  o.accepted = {1, milliseconds(5), milliseconds(1)};
  o.refused = {3, milliseconds(1), milliseconds(1)};
  return o;
}

TEST(LedIndicatorTest, AcceptedIsOneBlinkWrittenToTheBrightnessFile) {
  optin::testing::TempDir dir;
  std::ofstream(dir / "brightness") << "0";
  LedIndicator led(Options(dir / "brightness"), platform::FileSystem::Default());
  led.Accepted();
  ASSERT_TRUE(Eventually([&] { return led.stats().patterns == 1; }));
  EXPECT_EQ(led.stats().writes, 2u);  // on, off
  EXPECT_EQ(Read(dir / "brightness"), "0");
}

TEST(LedIndicatorTest, RefusedIsThreeShortBlinks) {
  optin::testing::TempDir dir;
  std::ofstream(dir / "brightness") << "0";
  LedIndicator led(Options(dir / "brightness"), platform::FileSystem::Default());
  led.Refused();
  ASSERT_TRUE(Eventually([&] { return led.stats().patterns == 1; }));
  EXPECT_EQ(led.stats().writes, 6u);  // on, off three times
  EXPECT_EQ(Read(dir / "brightness"), "0");
}

TEST(LedIndicatorTest, CallersNeverBlockAndTheQueueIsBounded) {
  optin::testing::TempDir dir;
  std::ofstream(dir / "brightness") << "0";
  LedOptions o = Options(dir / "brightness");
  o.accepted = {1, std::chrono::seconds(30), milliseconds(1)};  // the first blink holds the LED
  o.max_queued = 2;
  LedIndicator led(o, platform::FileSystem::Default());
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 100; ++i) led.Accepted();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(1));
  ASSERT_TRUE(Eventually([&] { return led.stats().writes >= 1; }));
  EXPECT_EQ(Read(dir / "brightness"), "1");
  EXPECT_GE(led.stats().dropped, 97u);
  led.Stop();  // interrupts the 30 s blink and leaves the LED off
  EXPECT_EQ(Read(dir / "brightness"), "0");
}

TEST(LedIndicatorTest, AMissingLedIsCountedAndNothingBlocks) {
  optin::testing::TempDir dir;
  LedIndicator led(Options(dir / "no-such-led" / "brightness"), platform::FileSystem::Default());
  led.Refused();
  ASSERT_TRUE(Eventually([&] { return led.stats().patterns == 1; }));
  EXPECT_EQ(led.stats().writes, 0u);
  EXPECT_EQ(led.stats().write_errors, 6u);
}

TEST(LedIndicatorTest, LedNamesMapToTheLinuxLedClass) {
  EXPECT_EQ(LedBrightnessPath("kiosk:green"), "/sys/class/leds/kiosk:green/brightness");
  EXPECT_EQ(LedBrightnessPath("/tmp/led"), "/tmp/led");
}

TEST(FakeIndicatorTest, RecordsCallsInOrder) {
  FakeIndicator fake;
  fake.Accepted();
  fake.Refused();
  EXPECT_EQ(fake.WaitForCalls(2, milliseconds(10)),
            (std::vector<std::string>{"accepted", "refused"}));
}

}  // namespace
}  // namespace optin::drivers::led_indicator_test
