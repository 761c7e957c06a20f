#include "drivers/fifo_scanner.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace optin::drivers {

FifoScanner::FifoScanner(ScannerConfig config, platform::FileSystem& fs,
                         const platform::Clock& clock)
    : LineScanner(config, fs, clock) {}

Result<int> FifoScanner::OpenDevice() {
  const auto& path = config().device;
  if (::mkfifo(path.c_str(), 0600) != 0 && errno != EEXIST) {
    return std::unexpected(platform::ErrnoError(errno, "mkfifo", path));
  }
  // Read-write: the pipe always has a writer (us), so `echo` closing never ends the stream.
  OPTIN_ASSIGN_OR_RETURN(int fd, fs().OpenDevice(path, O_RDWR | O_NONBLOCK));
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode)) {
    ::close(fd);
    return Fail(ErrorCode::kInvalidArgument, path.string() + " exists but is not a FIFO", {},
                "not-a-fifo");
  }
  return fd;
}

bool FifoScanner::StillPresent(int fd) const {
  struct stat opened, named;
  if (::fstat(fd, &opened) != 0 || opened.st_nlink == 0) return false;
  if (::stat(config().device.c_str(), &named) != 0) return false;
  return opened.st_dev == named.st_dev && opened.st_ino == named.st_ino;
}

}  // namespace optin::drivers
