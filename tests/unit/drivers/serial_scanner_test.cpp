#include <gtest/gtest.h>
#include <pty.h>
#include <termios.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "drivers/scanner.h"
#include "platform/clock.h"
#include "platform/file_system.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/drivers/scan_recorder.h"

namespace optin::drivers::serial_scanner_test {
namespace {

// A pseudo-terminal standing in for a USB CDC-ACM scanner: the driver opens the slave through
// a symlink (as udev's /dev/serial/by-id/... links), the test writes into the master.
struct Pty {
  int master = -1;
  std::string slave;
  Pty() {
    int slave_fd = -1;
    char name[256] = {};
    if (::openpty(&master, &slave_fd, name, nullptr, nullptr) != 0) {
      ADD_FAILURE() << "openpty failed";
      return;
    }
    slave = name;
    ::close(slave_fd);  // the driver opens its own
  }
  ~Pty() { Close(); }
  void Close() {
    if (master >= 0) ::close(master);
    master = -1;
  }
  void Write(std::string_view s) const {
    ASSERT_EQ(::write(master, s.data(), s.size()), static_cast<ssize_t>(s.size()));
  }
};

class SerialScannerTest : public ::testing::Test {
 protected:
  ScannerConfig Config(int baud = 115200) {
    ScannerConfig c;
    c.name = "counter";
    c.kind = ScannerKind::kSerial;
    c.device = dir_ / "ttyACM-scanner";
    c.baud = baud;
    return c;
  }
  void PointAt(const Pty& pty) {
    std::filesystem::remove(dir_ / "ttyACM-scanner");
    std::filesystem::create_symlink(pty.slave, dir_ / "ttyACM-scanner");
  }
  std::unique_ptr<Scanner> Make(const ScannerConfig& c) {
    auto s = MakeScanner(c, platform::FileSystem::Default(), platform::SystemClock::Instance());
    EXPECT_TRUE(s) << s.error().message;
    return std::move(*s);
  }

  optin::testing::TempDir dir_;
  ScanRecorder rec_;
};

TEST_F(SerialScannerTest, BytesWrittenIntoThePortComeOutAsScans) {
  Pty pty;
  PointAt(pty);
  auto scanner = Make(Config());
  ASSERT_TRUE(scanner->Start(rec_.OnScan(), rec_.OnState()));
  ASSERT_TRUE(rec_.WaitForState(ScannerState::kConnected));
  pty.Write("eyJ.abc.def\r\n");
  pty.Write("4006381333931\r");
  EXPECT_EQ(rec_.WaitForScans(2), (std::vector<std::string>{"eyJ.abc.def", "4006381333931"}));
}

TEST_F(SerialScannerTest, PortIsInRawModeAtTheConfiguredBaudRate) {
  Pty pty;
  PointAt(pty);
  auto scanner = Make(Config(115200));
  ASSERT_TRUE(scanner->Start(rec_.OnScan(), rec_.OnState()));
  ASSERT_TRUE(rec_.WaitForState(ScannerState::kConnected));
  termios tio{};
  ASSERT_EQ(::tcgetattr(pty.master, &tio), 0);  // a pty master reports its slave's settings
  EXPECT_EQ(::cfgetispeed(&tio), static_cast<speed_t>(B115200));
  EXPECT_EQ(::cfgetospeed(&tio), static_cast<speed_t>(B115200));
  EXPECT_EQ(tio.c_lflag & (ICANON | ECHO | ISIG), 0u);  // raw: no line editing, no echo
  EXPECT_EQ(tio.c_iflag & (ICRNL | IXON), 0u);
}

TEST_F(SerialScannerTest, UnpluggedPortIsDisconnectedAndScansResumeWhenItReturns) {
  auto first = std::make_unique<Pty>();
  PointAt(*first);
  auto scanner = Make(Config());
  ASSERT_TRUE(scanner->Start(rec_.OnScan(), rec_.OnState()));
  ASSERT_TRUE(rec_.WaitForState(ScannerState::kConnected));
  first->Write("one\n");
  ASSERT_EQ(rec_.WaitForScans(1).size(), 1u);

  first->Close();  // unplugged: the tty hangs up
  ASSERT_TRUE(rec_.WaitForState(ScannerState::kDisconnected));
  Pty second;  // plugged in again (a new tty; the by-id link follows it)
  PointAt(second);
  ASSERT_TRUE(rec_.WaitForState(ScannerState::kConnected, 2));
  second.Write("two\n");
  EXPECT_EQ(rec_.WaitForScans(2), (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(rec_.states(),
            (std::vector<ScannerState>{ScannerState::kConnected, ScannerState::kDisconnected,
                                       ScannerState::kConnected}));
}

TEST_F(SerialScannerTest, NonStandardBaudRateIsRefusedClearly) {
  auto s = MakeScanner(Config(12345), platform::FileSystem::Default(),
                       platform::SystemClock::Instance());
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("12345 is not a standard rate"), std::string::npos);
  EXPECT_NE(s.error().message.find("115200"), std::string::npos);
  EXPECT_NE(s.error().message.find("counter"), std::string::npos);
}

TEST_F(SerialScannerTest, AFileThatIsNotASerialPortIsNotUsed) {
  { std::ofstream(dir_ / "ttyACM-scanner") << ""; }
  auto scanner = Make(Config());
  ASSERT_TRUE(scanner->Start(rec_.OnScan(), rec_.OnState()));
  ASSERT_TRUE(rec_.WaitForState(ScannerState::kDisconnected));
  EXPECT_TRUE(rec_.texts().empty());
}

}  // namespace
}  // namespace optin::drivers::serial_scanner_test
