// PRODUCT.md line 1: no camera, ever. The drivers refuse video devices whatever the scanner
// kind, and the systemd unit denies every device but input and serial ones.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "drivers/scanner.h"
#include "platform/clock.h"
#include "platform/file_system.h"
#include "tests/support/temp_dir.h"

namespace optin::drivers::no_camera_test {
namespace {

Result<std::unique_ptr<Scanner>> Make(ScannerKind kind, std::filesystem::path device) {
  ScannerConfig c;
  c.name = "kiosk";
  c.kind = kind;
  c.device = std::move(device);
  return MakeScanner(c, platform::FileSystem::Default(), platform::SystemClock::Instance());
}

TEST(NoCameraTest, MakeScannerRefusesVideoDevicesForEveryKind) {
  for (ScannerKind kind : {ScannerKind::kEvdev, ScannerKind::kSerial, ScannerKind::kFifo}) {
    for (const char* path : {"/dev/video0", "/dev/media1", "/dev/v4l/by-id/usb-Cam-video-index0",
                             "/dev/../dev/video2"}) {
      auto s = Make(kind, path);
      ASSERT_FALSE(s) << ToString(kind) << " " << path;
      EXPECT_EQ(s.error().reason, "video-device-refused");
      EXPECT_NE(s.error().message.find("kiosk"), std::string::npos);
      EXPECT_NE(s.error().message.find("never opens a camera"), std::string::npos);
    }
  }
}

TEST(NoCameraTest, MakeScannerRefusesASymlinkThatLeadsToAVideoDevice) {
  optin::testing::TempDir dir;
  std::filesystem::create_symlink("/dev/video0", dir / "scanner");
  auto s = Make(ScannerKind::kEvdev, dir / "scanner");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().reason, "video-device-refused");
}

TEST(NoCameraTest, ScannerDevicePathsAreAccepted) {
  EXPECT_TRUE(Make(ScannerKind::kEvdev, "/dev/input/by-id/usb-Scanner-event-kbd"));
  EXPECT_TRUE(Make(ScannerKind::kSerial, "/dev/ttyACM0"));
}

TEST(NoCameraTest, FileSystemOpenDeviceRefusesVideo0) {
  auto fd = platform::FileSystem::Default().OpenDevice("/dev/video0", 0);
  ASSERT_FALSE(fd);
}

// The shipped systemd unit: DevicePolicy=closed, and only input and serial devices allowed.
TEST(NoCameraTest, SystemdUnitClosesDevicesAndAllowsOnlyInputAndSerial) {
  std::ifstream in(std::filesystem::path(OPTIN_SOURCE_DIR) / "config" / "optin-edge.service");
  ASSERT_TRUE(in) << "config/optin-edge.service";
  std::string section, line;
  std::vector<std::string> device_policy, device_allow;
  while (std::getline(in, line)) {
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#' || line[first] == ';') continue;
    line = line.substr(first);
    if (line.front() == '[') {
      section = line;
      continue;
    }
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = line.substr(0, eq), value = line.substr(eq + 1);
    while (!key.empty() && key.back() == ' ') key.pop_back();
    value.erase(0, value.find_first_not_of(' '));
    if (key == "DevicePolicy") device_policy.push_back(section + value);
    if (key == "DeviceAllow") {
      EXPECT_EQ(section, "[Service]");
      device_allow.push_back(value);
    }
    // Nothing anywhere in the unit may name a camera, except to make it inaccessible.
    if (key != "InaccessiblePaths") {
      EXPECT_EQ(value.find("video"), std::string::npos) << line;
      EXPECT_EQ(value.find("v4l"), std::string::npos) << line;
      EXPECT_EQ(value.find("/dev/media"), std::string::npos) << line;
    }
  }
  EXPECT_EQ(device_policy, std::vector<std::string>{"[Service]closed"});
  ASSERT_FALSE(device_allow.empty());
  for (const std::string& allow : device_allow) {
    std::istringstream words(allow);
    std::string device, access;
    words >> device >> access;
    const bool input = device == "char-input";
    const bool serial = device == "char-ttyACM" || device == "char-ttyUSB" || device == "char-ttyS";
    EXPECT_TRUE(input || serial) << "DeviceAllow=" << allow;
    if (input) {
      EXPECT_EQ(access, "r") << "DeviceAllow=" << allow;
    }
    EXPECT_EQ(access.find('m'), std::string::npos) << "no mknod: DeviceAllow=" << allow;
  }
}

}  // namespace
}  // namespace optin::drivers::no_camera_test
