#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "drivers/scanner.h"
#include "platform/clock.h"
#include "platform/file_system.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/drivers/scan_recorder.h"

namespace optin::drivers::fifo_scanner_test {
namespace {

// Writes `text` into the FIFO as `echo` does: open, write, close.
void Echo(const std::filesystem::path& fifo, std::string_view text) {
  const int fd = ::open(fifo.c_str(), O_WRONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0) << fifo;
  ASSERT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  ::close(fd);
}

class FifoScannerTest : public ::testing::Test {
 protected:
  ScannerConfig Config() {
    ScannerConfig c;
    c.name = "kiosk";
    c.kind = ScannerKind::kFifo;
    c.device = dir_ / "scanner.fifo";
    return c;
  }
  std::unique_ptr<Scanner> Make(const ScannerConfig& c, const platform::Clock& clock) {
    auto s = MakeScanner(c, platform::FileSystem::Default(), clock);
    EXPECT_TRUE(s) << s.error().message;
    return std::move(*s);
  }

  optin::testing::TempDir dir_;
  ScanRecorder rec_;
};

TEST_F(FifoScannerTest, CreatesTheFifoWithMode0600AndDeliversEachLine) {
  auto scanner = Make(Config(), platform::SystemClock::Instance());
  ASSERT_TRUE(scanner->Start(rec_.OnScan(), rec_.OnState()));
  ASSERT_TRUE(rec_.WaitForState(ScannerState::kConnected));
  struct stat st;
  ASSERT_EQ(::stat((dir_ / "scanner.fifo").c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  Echo(dir_ / "scanner.fifo", "CODE-1\n");
  Echo(dir_ / "scanner.fifo", "CODE-2\nCODE-3\n");
  EXPECT_EQ(rec_.WaitForScans(3), (std::vector<std::string>{"CODE-1", "CODE-2", "CODE-3"}));
  EXPECT_EQ(rec_.scans().front().scanner, "kiosk");
  EXPECT_EQ(scanner->stats().scans, 3u);
  scanner->Stop();
  EXPECT_EQ(rec_.states().back(), ScannerState::kStopped);
}

TEST_F(FifoScannerTest, BadScansAreRefusedAndCountedWhileReadingGoesOn) {
  auto scanner = Make(Config(), platform::SystemClock::Instance());
  ASSERT_TRUE(scanner->Start(rec_.OnScan(), rec_.OnState()));
  ASSERT_TRUE(rec_.WaitForState(ScannerState::kConnected));
  Echo(dir_ / "scanner.fifo",
       std::string("\x01\x02garbage\x7f\n") + std::string(3000, 'x') + "\ncaf\xc3\xa9\ngood\n");
  EXPECT_EQ(rec_.WaitForScans(1), std::vector<std::string>{"good"});
  EXPECT_EQ(scanner->stats().refused, 3u);
}

TEST_F(FifoScannerTest, RemovedFifoIsReportedDisconnectedThenConnectedAndScansResume) {
  auto scanner = Make(Config(), platform::SystemClock::Instance());
  ASSERT_TRUE(scanner->Start(rec_.OnScan(), rec_.OnState()));
  ASSERT_TRUE(rec_.WaitForState(ScannerState::kConnected));
  Echo(dir_ / "scanner.fifo", "before\n");
  ASSERT_EQ(rec_.WaitForScans(1).size(), 1u);

  // Unplug: the FIFO goes away. The driver notices, says so once, and recreates it.
  ASSERT_EQ(::unlink((dir_ / "scanner.fifo").c_str()), 0);
  ASSERT_TRUE(rec_.WaitForState(ScannerState::kDisconnected));
  ASSERT_TRUE(rec_.WaitForState(ScannerState::kConnected, 2));
  Echo(dir_ / "scanner.fifo", "after\n");
  EXPECT_EQ(rec_.WaitForScans(2), (std::vector<std::string>{"before", "after"}));
  EXPECT_EQ(rec_.states(),
            (std::vector<ScannerState>{ScannerState::kConnected, ScannerState::kDisconnected,
                                       ScannerState::kConnected}));
  EXPECT_EQ(scanner->stats().disconnects, 1u);
}

TEST_F(FifoScannerTest, MissingDeviceIsDisconnectedUntilItAppears) {
  ScannerConfig c = Config();
  c.device = dir_ / "later" / "scanner.fifo";  // its directory does not exist yet
  auto scanner = Make(c, platform::SystemClock::Instance());
  ASSERT_TRUE(scanner->Start(rec_.OnScan(), rec_.OnState()));
  ASSERT_TRUE(rec_.WaitForState(ScannerState::kDisconnected));
  std::filesystem::create_directory(dir_ / "later");
  ASSERT_TRUE(rec_.WaitForState(ScannerState::kConnected));
  Echo(c.device, "hello\n");
  EXPECT_EQ(rec_.WaitForScans(1), std::vector<std::string>{"hello"});
}

TEST_F(FifoScannerTest, StopInterruptsTheRetryWaitAtOnce) {
  ScannerConfig c = Config();
  c.device = dir_ / "never" / "scanner.fifo";
  auto scanner = Make(c, platform::SystemClock::Instance());
  ASSERT_TRUE(scanner->Start(rec_.OnScan(), rec_.OnState()));
  ASSERT_TRUE(rec_.WaitForState(ScannerState::kDisconnected));
  const auto t0 = std::chrono::steady_clock::now();
  scanner->Stop();
  // The backoff is up to 5 s; Stop does not wait it out.
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  EXPECT_EQ(rec_.states().back(), ScannerState::kStopped);
}

TEST_F(FifoScannerTest, AFloodingScannerIsRateLimitedByItsTokenBucket) {
  // The fake clock stands still: the bucket never refills, so exactly the burst passes.
  platform::FakeClock clock;
  ScannerConfig c = Config();
  c.max_scans_per_second = 5;
  auto scanner = Make(c, clock);
  ASSERT_TRUE(scanner->Start(rec_.OnScan(), rec_.OnState()));
  ASSERT_TRUE(rec_.WaitForState(ScannerState::kConnected));
  std::string flood;
  for (int i = 0; i < 50; ++i) flood += "STUCK" + std::to_string(i) + "\n";
  Echo(c.device, flood);
  ASSERT_TRUE(Eventually([&] { return scanner->stats().rate_limited == 45; }));
  EXPECT_EQ(rec_.texts(),
            (std::vector<std::string>{"STUCK0", "STUCK1", "STUCK2", "STUCK3", "STUCK4"}));
  EXPECT_EQ(scanner->stats().scans, 5u);

  clock.Advance(std::chrono::seconds(1));  // a second later the bucket is full again
  Echo(c.device, "NEXT\n");
  EXPECT_EQ(rec_.WaitForScans(6).back(), "NEXT");
}

TEST_F(FifoScannerTest, StartingTwiceIsRefused) {
  auto scanner = Make(Config(), platform::SystemClock::Instance());
  ASSERT_TRUE(scanner->Start(rec_.OnScan()));
  auto again = scanner->Start(rec_.OnScan());
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kFailedPrecondition);
}

}  // namespace
}  // namespace optin::drivers::fifo_scanner_test
