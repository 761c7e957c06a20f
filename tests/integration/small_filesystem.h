// A small filesystem of a test's own: a size-limited tmpfs mounted over a directory, in a private
// mount namespace of the test process (so nothing shows outside it, and every child process the
// test starts, the daemon included, sees it). As root it needs only a new mount namespace; as
// another user, or as root without CAP_SYS_ADMIN (some containers), it first enters a new user
// namespace mapping that user to root. Where neither is allowed, Mount says why and the test
// should skip. Call Mount before the process starts threads: unshare(2) refuses a
// threaded process. Not thread-safe; one per test.
#pragma once

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

namespace optin::testing {

class SmallFilesystem {
 public:
  SmallFilesystem() = default;
  ~SmallFilesystem() {
    if (!mounted_.empty()) umount2(mounted_.c_str(), MNT_DETACH);
  }
  SmallFilesystem(const SmallFilesystem&) = delete;
  SmallFilesystem& operator=(const SmallFilesystem&) = delete;

  // Mounts a tmpfs of `bytes` over `dir` (created if missing). Returns "" on success, else why
  // it could not be done.
  std::string Mount(const std::filesystem::path& dir, size_t bytes) {
    std::filesystem::create_directories(dir);
    if (std::string why = EnterPrivateMountNamespace(); !why.empty()) return why;
    const std::string options = "size=" + std::to_string(bytes) + ",mode=0700";
    if (mount("tmpfs", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) != 0) {
      return "mount -t tmpfs -o " + options + " " + dir.string() + ": " + std::strerror(errno);
    }
    mounted_ = dir;
    return "";
  }

 private:
  static bool WriteTo(const char* file, const std::string& text) {
    int fd = open(file, O_WRONLY);
    if (fd < 0) return false;
    bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    close(fd);
    return ok;
  }

  static std::string EnterPrivateMountNamespace() {
    std::string why;
    if (geteuid() == 0) {
      if (unshare(CLONE_NEWNS) == 0) return MakeMountsPrivate();
      // A container without CAP_SYS_ADMIN may still allow a user namespace of its own.
      why = std::string("unshare(CLONE_NEWNS) as root: ") + std::strerror(errno) + "; then ";
    }
    const uid_t uid = geteuid();
    const gid_t gid = getegid();
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
      return why + "unshare(CLONE_NEWUSER | CLONE_NEWNS) as uid " + std::to_string(uid) + ": " +
             std::strerror(errno) + " (user namespaces may be switched off)";
    }
    if (!WriteTo("/proc/self/setgroups", "deny") ||
        !WriteTo("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1") ||
        !WriteTo("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1")) {
      return why + "mapping this user to root in a new user namespace: " + std::strerror(errno);
    }
    return MakeMountsPrivate();
  }

  static std::string MakeMountsPrivate() {
    // Nothing mounted from here on may propagate back to the host.
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      return std::string("making mounts private: ") + std::strerror(errno);
    }
    return "";
  }

  std::filesystem::path mounted_;
};

}  // namespace optin::testing
