#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/input.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "drivers/scanner.h"
#include "platform/clock.h"
#include "platform/file_system.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/drivers/scan_recorder.h"

namespace optin::drivers::evdev_scanner_test {
namespace {

// The evdev driver reads struct input_event records. No test machine has a scanner (nor
// uinput), so a FIFO carries the records: EVIOCGRAB fails on it (logged), reading works alike.
TEST(EvdevScannerTest, KeyEventsReadFromTheDeviceBecomeScans) {
  optin::testing::TempDir dir;
  const auto path = dir / "usb-Scanner-event-kbd";
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  // Hold a read end so that our writer can open without blocking, and the driver's
  // read-only open sees a live pipe.
  const int keep = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(keep, 0);

  ScannerConfig c;
  c.name = "kiosk";
  c.kind = ScannerKind::kEvdev;
  c.device = path;
  auto scanner = MakeScanner(c, platform::FileSystem::Default(), platform::SystemClock::Instance());
  ASSERT_TRUE(scanner) << scanner.error().message;
  ScanRecorder rec;
  ASSERT_TRUE((*scanner)->Start(rec.OnScan(), rec.OnState()));
  ASSERT_TRUE(rec.WaitForState(ScannerState::kConnected));

  std::vector<input_event> evs;
  auto key = [&evs](uint16_t code, int32_t value) {
    input_event e{};
    e.type = EV_KEY;
    e.code = code;
    e.value = value;
    evs.push_back(e);
    input_event syn{};
    syn.type = EV_SYN;
    syn.code = SYN_REPORT;
    evs.push_back(syn);
  };
  key(KEY_LEFTSHIFT, 1);
  key(KEY_E, 1);
  key(KEY_E, 0);
  key(KEY_LEFTSHIFT, 0);
  key(KEY_Y, 1);
  key(KEY_Y, 0);
  key(KEY_DOT, 1);
  key(KEY_DOT, 0);
  key(KEY_4, 1);
  key(KEY_4, 0);
  key(KEY_ENTER, 1);
  key(KEY_ENTER, 0);
  const size_t bytes = evs.size() * sizeof(input_event);
  ASSERT_EQ(::write(keep, evs.data(), bytes), static_cast<ssize_t>(bytes));

  EXPECT_EQ(rec.WaitForScans(1), std::vector<std::string>{"Ey.4"});
  (*scanner)->Stop();
  ::close(keep);
}

}  // namespace
}  // namespace optin::drivers::evdev_scanner_test
