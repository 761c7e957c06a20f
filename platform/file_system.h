// The one door to the file system (LevelDB's Env, for files). Everything that touches files
// goes through a FileSystem so that tests can inject faults (FaultInjectingFileSystem).
// Implementations are thread-safe.
#pragma once

#include <sys/types.h>

#include <cstdint>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "platform/error.h"

namespace optin::platform {

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  virtual Result<std::string> ReadFile(const std::filesystem::path& path) = 0;
  // Writes to a temporary file beside `path`, fsyncs it, renames it over `path` and fsyncs the
  // directory: after success the new content survives a power cut; on failure the old content
  // (or absence) is untouched.
  virtual Status WriteFileAtomic(const std::filesystem::path& path, std::string_view data,
                                 mode_t mode = 0600) = 0;
  virtual Status CreateDirectories(const std::filesystem::path& path, mode_t mode = 0700) = 0;
  virtual Result<bool> Exists(const std::filesystem::path& path) = 0;
  virtual Status Remove(const std::filesystem::path& path) = 0;
  virtual Result<std::vector<std::filesystem::path>> List(const std::filesystem::path& dir) = 0;
  // File permission bits (e.g. 0600).
  virtual Result<mode_t> Mode(const std::filesystem::path& path) = 0;
  // The size of a file in bytes; kNotFound when there is none.
  virtual Result<uint64_t> FileSize(const std::filesystem::path& path) = 0;

  // The files a library opens and writes itself (SQLite's database, WAL and journal, through
  // store/'s VFS) pass through this door too: it is asked before each write, fsync and
  // truncate of them. Ok to go ahead; an error (errno) fails that operation. For a write,
  // `bytes` may be lowered: that many are written and the rest is refused as a full disk would
  // (a short write). The real file system admits everything.
  enum class FileOp { kWrite, kSync, kTruncate };
  virtual Status Admit(FileOp op, const std::filesystem::path& path, size_t& bytes) = 0;

  // Opens a character device (scanners, LEDs). Refuses video, media and v4l devices: the
  // product never opens a camera. Returns a file descriptor the caller owns.
  virtual Result<int> OpenDevice(const std::filesystem::path& path, int flags) = 0;

  // The real POSIX file system.
  static FileSystem& Default();
};

// True for paths the product must never open: /dev/video*, /dev/media*, /dev/v4l* (also
// reached through symlinks such as /dev/v4l/by-id/...).
bool IsVideoDevicePath(const std::filesystem::path& path);

// Converts errno into an Error; `what` names the operation and `path` the file.
Error ErrnoError(int err, std::string_view what, const std::filesystem::path& path);

}  // namespace optin::platform
