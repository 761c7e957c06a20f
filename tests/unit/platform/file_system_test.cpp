#include "platform/file_system.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>

#include "tests/support/temp_dir.h"

namespace optin::platform::file_system_test {
namespace {

namespace fs = std::filesystem;

class FileSystemTest : public ::testing::Test {
 protected:
  FileSystem& fs_ = FileSystem::Default();
  testing::TempDir dir_;
};

// Restores the process umask at the end of a test.
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : old_(::umask(mask)) {}
  ~ScopedUmask() { ::umask(old_); }

 private:
  mode_t old_;
};

TEST_F(FileSystemTest, WrittenFileReadsBackWithExactlyTheRequestedMode) {
  ScopedUmask umask(022);
  const fs::path path = dir_ / "a.bin";
  ASSERT_TRUE(fs_.WriteFileAtomic(path, std::string("hello\0world", 11), 0600));
  EXPECT_EQ(fs_.ReadFile(path).value(), std::string("hello\0world", 11));
  EXPECT_EQ(fs_.Mode(path).value(), 0600u);

  ScopedUmask strict(077);
  const fs::path shared = dir_ / "b.txt";
  ASSERT_TRUE(fs_.WriteFileAtomic(shared, "x", 0644));
  EXPECT_EQ(fs_.Mode(shared).value(), 0644u);  // the umask does not narrow an explicit mode
}

TEST_F(FileSystemTest, WriteFileAtomicReplacesContentAndLeavesNoTemporaryFiles) {
  const fs::path path = dir_ / "config.toml";
  ASSERT_TRUE(fs_.WriteFileAtomic(path, "old"));
  ASSERT_TRUE(fs_.WriteFileAtomic(path, std::string(100000, 'n')));
  EXPECT_EQ(fs_.ReadFile(path).value(), std::string(100000, 'n'));
  EXPECT_EQ(fs_.List(dir_.path()).value(), std::vector<fs::path>{path});
}

TEST_F(FileSystemTest, FailedRenameKeepsTheOldStateAndRemovesTheTemporaryFile) {
  // A non-empty directory where the file should go makes the final rename fail.
  const fs::path path = dir_ / "target";
  ASSERT_TRUE(fs_.CreateDirectories(path / "inside"));
  auto status = fs_.WriteFileAtomic(path, "new");
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find("rename"), std::string::npos) << status.error().message;
  EXPECT_EQ(fs_.List(dir_.path()).value(), std::vector<fs::path>{path});
  EXPECT_TRUE(fs::is_directory(path / "inside"));
}

TEST_F(FileSystemTest, WriteIntoMissingDirectoryFailsWithNotFound) {
  auto status = fs_.WriteFileAtomic(dir_ / "missing" / "file", "x");
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kNotFound);
}

TEST_F(FileSystemTest, ReadingAMissingFileIsNotFound) {
  auto data = fs_.ReadFile(dir_ / "nope");
  ASSERT_FALSE(data);
  EXPECT_EQ(data.error().code, ErrorCode::kNotFound);
  EXPECT_NE(data.error().message.find("nope"), std::string::npos);
}

TEST_F(FileSystemTest, CreateDirectoriesMakesNestedDirectoriesWithTheMode) {
  ScopedUmask umask(022);
  const fs::path nested = dir_ / "a" / "b" / "c";
  ASSERT_TRUE(fs_.CreateDirectories(nested, 0700));
  EXPECT_TRUE(fs::is_directory(nested));
  EXPECT_EQ(fs_.Mode(nested).value(), 0700u);
  EXPECT_TRUE(fs_.CreateDirectories(nested, 0700));  // existing is fine
  ASSERT_TRUE(fs_.WriteFileAtomic(dir_ / "file", "x"));
  EXPECT_FALSE(fs_.CreateDirectories(dir_ / "file" / "sub"));
}

TEST_F(FileSystemTest, ExistsRemoveAndListBehave) {
  const fs::path path = dir_ / "f";
  EXPECT_FALSE(fs_.Exists(path).value());
  ASSERT_TRUE(fs_.WriteFileAtomic(path, "x"));
  EXPECT_TRUE(fs_.Exists(path).value());
  ASSERT_TRUE(fs_.WriteFileAtomic(dir_ / "e", "x"));
  EXPECT_EQ(fs_.List(dir_.path()).value(), (std::vector<fs::path>{dir_ / "e", path}));
  EXPECT_TRUE(fs_.Remove(path));
  EXPECT_FALSE(fs_.Exists(path).value());
  EXPECT_TRUE(fs_.Remove(path));  // missing is fine
  ASSERT_TRUE(fs_.CreateDirectories(dir_ / "d"));
  EXPECT_TRUE(fs_.Remove(dir_ / "d"));
  EXPECT_FALSE(fs_.Exists(dir_ / "d").value());
  EXPECT_FALSE(fs_.List(dir_ / "missing"));
}

TEST(ErrnoErrorTest, MapsErrnoToCodesAndNamesTheOperationAndPath) {
  const Error full = ErrnoError(ENOSPC, "write", "/data/x");
  EXPECT_EQ(full.code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(full.message, "write /data/x: No space left on device");
  EXPECT_EQ(ErrnoError(EDQUOT, "write", "/x").code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(ErrnoError(EACCES, "open", "/x").code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(ErrnoError(EPERM, "open", "/x").code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(ErrnoError(ENOENT, "open", "/x").code, ErrorCode::kNotFound);
  EXPECT_EQ(ErrnoError(EIO, "read", "/x").code, ErrorCode::kIo);
}

TEST(VideoDevicePathTest, VideoMediaAndV4lPathsAreVideoDevices) {
  EXPECT_TRUE(IsVideoDevicePath("/dev/video0"));
  EXPECT_TRUE(IsVideoDevicePath("/dev/video12"));
  EXPECT_TRUE(IsVideoDevicePath("/dev/media1"));
  EXPECT_TRUE(IsVideoDevicePath("/dev/v4l-subdev0"));
  EXPECT_TRUE(IsVideoDevicePath("/dev/v4l/by-id/x"));
  EXPECT_TRUE(IsVideoDevicePath("/dev/v4l/by-path/pci-0000:00:14.0-usb-0:1:1.0-video-index0"));
  EXPECT_TRUE(IsVideoDevicePath("/dev/input/../video0"));
  EXPECT_TRUE(IsVideoDevicePath("//dev///video0"));
}

TEST(VideoDevicePathTest, ScannerAndOtherDevicesAreNotVideoDevices) {
  EXPECT_FALSE(IsVideoDevicePath("/dev/ttyACM0"));
  EXPECT_FALSE(IsVideoDevicePath("/dev/input/event3"));
  EXPECT_FALSE(IsVideoDevicePath("/dev/input/by-id/usb-scanner-event-kbd"));
  EXPECT_FALSE(IsVideoDevicePath("/dev/null"));
  EXPECT_FALSE(IsVideoDevicePath("/tmp/video0"));
}

TEST(VideoDevicePathTest, SymlinkToAVideoDeviceIsAVideoDevice) {
  testing::TempDir dir;
  const fs::path link = dir / "scanner";
  fs::create_symlink("/dev/video0", link);  // the target need not exist
  EXPECT_TRUE(IsVideoDevicePath(link));
  const fs::path chained = dir / "chained";
  fs::create_symlink(link, chained);
  EXPECT_TRUE(IsVideoDevicePath(chained));
  const fs::path via_dir = dir / "v4l";
  fs::create_symlink("/dev/v4l", via_dir);
  EXPECT_TRUE(IsVideoDevicePath(via_dir / "by-id" / "cam"));
  const fs::path benign = dir / "serial";
  fs::create_symlink("/dev/ttyACM0", benign);
  EXPECT_FALSE(IsVideoDevicePath(benign));
}

TEST_F(FileSystemTest, OpenDeviceRefusesVideoDevicesEvenThroughSymlinks) {
  for (const fs::path& path : {fs::path("/dev/video0"), fs::path("/dev/v4l/by-id/cam")}) {
    auto fd = fs_.OpenDevice(path, O_RDONLY);
    ASSERT_FALSE(fd);
    EXPECT_EQ(fd.error().code, ErrorCode::kPermissionDenied);
    EXPECT_EQ(fd.error().reason, "video-device-refused");
  }
  const fs::path link = dir_ / "camera";
  fs::create_symlink("/dev/video0", link);
  auto fd = fs_.OpenDevice(link, O_RDONLY);
  ASSERT_FALSE(fd);
  EXPECT_EQ(fd.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(fd.error().reason, "video-device-refused");
}

TEST_F(FileSystemTest, OpenDeviceOpensOtherCharacterDevicesCloseOnExec) {
  auto fd = fs_.OpenDevice("/dev/null", O_RDWR);
  ASSERT_TRUE(fd) << fd.error().message;
  EXPECT_GE(*fd, 0);
  EXPECT_TRUE(::fcntl(*fd, F_GETFD) & FD_CLOEXEC);
  ::close(*fd);
  auto missing = fs_.OpenDevice(dir_ / "ttyACM9", O_RDONLY);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace optin::platform::file_system_test
