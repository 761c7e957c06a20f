#include "platform/file_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <deque>
#include <system_error>

namespace optin::platform {
namespace fs = std::filesystem;

namespace {

// Linux's character-device major number for video4linux (/dev/video*, /dev/v4l-subdev*, ...).
constexpr unsigned kVideo4LinuxMajor = 81;

Error VideoDeviceRefused(const fs::path& path) {
  return Error{ErrorCode::kPermissionDenied,
               "refusing to open " + path.string() +
                   ": it is a video device, and this product never opens a camera",
               {},
               "video-device-refused"};
}

// Lexical test on an absolute, normalised path.
bool IsVideoPathLexically(const fs::path& path) {
  const fs::path p = path.lexically_normal();
  auto it = p.begin();
  if (it == p.end() || *it != "/") return false;
  if (++it == p.end() || *it != "dev") return false;
  if (++it == p.end()) return false;
  if (*it == "v4l") return true;  // /dev/v4l and everything below (by-id, by-path)
  const std::string name = p.filename().string();
  for (std::string_view prefix : {"video", "media", "v4l"}) {
    if (name.starts_with(prefix)) return true;
  }
  return false;
}

// Resolves symlinks component by component like realpath(3), but keeps going through
// components that do not exist, and follows dangling symlinks to where they point.
// (std::filesystem::weakly_canonical stops at a dangling symlink.)
fs::path ResolveLeniently(const fs::path& path) {
  std::error_code ec;
  fs::path absolute = fs::absolute(path, ec);
  if (ec) return path.lexically_normal();
  std::deque<fs::path> pending(absolute.begin(), absolute.end());
  fs::path resolved = "/";
  int hops = 0;
  while (!pending.empty()) {
    fs::path part = std::move(pending.front());
    pending.pop_front();
    if (part == "/" || part == "." || part.empty()) continue;
    if (part == "..") {
      resolved = resolved.parent_path();
      continue;
    }
    fs::path candidate = resolved / part;
    struct stat st;
    if (hops < 40 && ::lstat(candidate.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
      fs::path target = fs::read_symlink(candidate, ec);
      if (!ec) {
        ++hops;
        if (target.is_absolute()) resolved = "/";
        pending.insert(pending.begin(), target.begin(), target.end());
        continue;
      }
    }
    resolved = std::move(candidate);
  }
  return resolved;
}

int RetryOnEintr(auto&& call) {
  for (;;) {
    const int rc = call();
    if (rc >= 0 || errno != EINTR) return rc;
  }
}

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }
  // Closes now and reports close's error (which can carry a delayed write error).
  int Close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

Status FsyncDirectory(const fs::path& dir) {
  FileDescriptor fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return std::unexpected(ErrnoError(errno, "open directory", dir));
  if (RetryOnEintr([&] { return ::fsync(fd.get()); }) != 0) {
    return std::unexpected(ErrnoError(errno, "fsync directory", dir));
  }
  return Ok();
}

class PosixFileSystem final : public FileSystem {
 public:
  Result<std::string> ReadFile(const fs::path& path) override {
    FileDescriptor fd(RetryOnEintr([&] { return ::open(path.c_str(), O_RDONLY | O_CLOEXEC); }));
    if (fd.get() < 0) return std::unexpected(ErrnoError(errno, "open", path));
    struct stat st;
    if (::fstat(fd.get(), &st) != 0) return std::unexpected(ErrnoError(errno, "stat", path));
    if (S_ISDIR(st.st_mode)) return std::unexpected(ErrnoError(EISDIR, "read", path));
    std::string data;
    data.reserve(st.st_size > 0 ? static_cast<size_t>(st.st_size) : 0);
    char buf[16384];
    for (;;) {
      const ssize_t n = ::read(fd.get(), buf, sizeof buf);
      if (n < 0) {
        if (errno == EINTR) continue;
        return std::unexpected(ErrnoError(errno, "read", path));
      }
      if (n == 0) break;
      data.append(buf, static_cast<size_t>(n));
    }
    return data;
  }

  Status WriteFileAtomic(const fs::path& path, std::string_view data, mode_t mode) override {
    static std::atomic<uint64_t> counter{0};
    const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
    fs::path temp;
    int raw_fd = -1;
    for (int attempt = 0; attempt < 100 && raw_fd < 0; ++attempt) {
      temp = dir / ("." + path.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" +
                    std::to_string(counter.fetch_add(1)));
      raw_fd = RetryOnEintr(
          [&] { return ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode); });
      if (raw_fd < 0 && errno != EEXIST) break;
    }
    if (raw_fd < 0) return std::unexpected(ErrnoError(errno, "create", temp));
    FileDescriptor fd(raw_fd);

    auto fail = [&](int err, std::string_view what) -> Status {
      ::unlink(temp.c_str());
      return std::unexpected(ErrnoError(err, what, path));
    };
    // The umask may have narrowed the mode given to open; set exactly what was asked.
    if (::fchmod(fd.get(), mode) != 0) return fail(errno, "chmod");
    const char* p = data.data();
    size_t left = data.size();
    while (left > 0) {
      const ssize_t n = ::write(fd.get(), p, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        return fail(errno, "write");
      }
      p += n;
      left -= static_cast<size_t>(n);
    }
    if (RetryOnEintr([&] { return ::fsync(fd.get()); }) != 0) return fail(errno, "fsync");
    if (fd.Close() != 0) return fail(errno, "close");
    if (::rename(temp.c_str(), path.c_str()) != 0) return fail(errno, "rename");
    // The new content is in place; make the rename itself durable.
    return FsyncDirectory(dir);
  }

  Status CreateDirectories(const fs::path& path, mode_t mode) override {
    fs::path current;
    for (const fs::path& part : path.lexically_normal()) {
      if (part.empty()) continue;
      current /= part;
      if (::mkdir(current.c_str(), mode) == 0) {
        // The umask may have narrowed the mode; set exactly what was asked.
        if (::chmod(current.c_str(), mode) != 0) {
          return std::unexpected(ErrnoError(errno, "chmod", current));
        }
        continue;
      }
      const int err = errno;
      struct stat st;
      if (err == EEXIST || err == EACCES || err == EPERM || err == EROFS) {
        // Existing directories are fine (EACCES/EROFS can hide "exists" for ancestors).
        if (::stat(current.c_str(), &st) == 0) {
          if (S_ISDIR(st.st_mode)) continue;
          return std::unexpected(ErrnoError(ENOTDIR, "mkdir", current));
        }
      }
      return std::unexpected(ErrnoError(err, "mkdir", current));
    }
    return Ok();
  }

  Result<bool> Exists(const fs::path& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) == 0) return true;
    if (errno == ENOENT || errno == ENOTDIR) return false;
    return std::unexpected(ErrnoError(errno, "stat", path));
  }

  Status Remove(const fs::path& path) override {
    if (::unlink(path.c_str()) == 0) return Ok();
    int err = errno;
    if (err == ENOENT) return Ok();
    if (err == EISDIR || err == EPERM) {
      if (::rmdir(path.c_str()) == 0) return Ok();
      if (errno != ENOTDIR) err = errno;
    }
    return std::unexpected(ErrnoError(err, "remove", path));
  }

  Result<std::vector<fs::path>> List(const fs::path& dir) override {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return std::unexpected(ErrnoError(errno, "opendir", dir));
    std::vector<fs::path> entries;
    for (;;) {
      errno = 0;
      const dirent* entry = ::readdir(d);
      if (entry == nullptr) break;
      const std::string_view name = entry->d_name;
      if (name == "." || name == "..") continue;
      entries.push_back(dir / name);
    }
    const int err = errno;
    ::closedir(d);
    if (err != 0) return std::unexpected(ErrnoError(err, "readdir", dir));
    std::sort(entries.begin(), entries.end());
    return entries;
  }

  Result<uint64_t> FileSize(const fs::path& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return std::unexpected(ErrnoError(errno, "stat", path));
    return static_cast<uint64_t>(st.st_size);
  }

  Status Admit(FileOp, const fs::path&, size_t&) override { return Ok(); }

  Result<mode_t> Mode(const fs::path& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return std::unexpected(ErrnoError(errno, "stat", path));
    return static_cast<mode_t>(st.st_mode & 07777);
  }

  Result<int> OpenDevice(const fs::path& path, int flags) override {
    if (IsVideoDevicePath(path)) return std::unexpected(VideoDeviceRefused(path));
    struct stat st;
    if (::stat(path.c_str(), &st) == 0 && S_ISCHR(st.st_mode) &&
        ::major(st.st_rdev) == kVideo4LinuxMajor) {
      return std::unexpected(VideoDeviceRefused(path));
    }
    const int fd = RetryOnEintr([&] { return ::open(path.c_str(), flags | O_CLOEXEC); });
    if (fd < 0) return std::unexpected(ErrnoError(errno, "open", path));
    // The path may have been swapped between the check and the open: check what was opened.
    if (::fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && ::major(st.st_rdev) == kVideo4LinuxMajor) {
      ::close(fd);
      return std::unexpected(VideoDeviceRefused(path));
    }
    return fd;
  }
};

}  // namespace

FileSystem& FileSystem::Default() {
  static PosixFileSystem file_system;
  return file_system;
}

bool IsVideoDevicePath(const fs::path& path) {
  std::error_code ec;
  const fs::path absolute = fs::absolute(path, ec);
  if (IsVideoPathLexically(ec ? path : absolute)) return true;
  const fs::path canonical = fs::weakly_canonical(path, ec);
  if (!ec && IsVideoPathLexically(canonical)) return true;
  return IsVideoPathLexically(ResolveLeniently(path));
}

Error ErrnoError(int err, std::string_view what, const fs::path& path) {
  ErrorCode code = ErrorCode::kIo;
  switch (err) {
    case ENOSPC:
    case EDQUOT:
      code = ErrorCode::kResourceExhausted;
      break;
    case EACCES:
    case EPERM:
      code = ErrorCode::kPermissionDenied;
      break;
    case ENOENT:
      code = ErrorCode::kNotFound;
      break;
    default:
      break;
  }
  std::string message(what);
  message += ' ';
  message += path.string();
  message += ": ";
  message += std::system_category().message(err);
  return Error{code, std::move(message), {}, {}};
}

}  // namespace optin::platform
