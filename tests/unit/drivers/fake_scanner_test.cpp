#include "drivers/fake_scanner.h"

#include <gtest/gtest.h>

#include "tests/unit/drivers/scan_recorder.h"

namespace optin::drivers::fake_scanner_test {
namespace {

TEST(FakeScannerTest, PushedScansAndStatesArriveOnlyWhileStarted) {
  FakeScanner fake("kiosk");
  ScanRecorder rec;
  EXPECT_FALSE(fake.Push("early"));
  ASSERT_TRUE(fake.Start(rec.OnScan(), rec.OnState()));
  EXPECT_TRUE(fake.Push("code"));
  fake.SetState(ScannerState::kDisconnected);
  fake.Stop();
  EXPECT_FALSE(fake.Push("late"));
  EXPECT_EQ(rec.texts(), std::vector<std::string>{"code"});
  EXPECT_EQ(rec.scans().front().scanner, "kiosk");
  EXPECT_EQ(rec.states(),
            (std::vector<ScannerState>{ScannerState::kDisconnected, ScannerState::kStopped}));
}

}  // namespace
}  // namespace optin::drivers::fake_scanner_test
