// A FileSystem that forwards to another one and fails on demand, for tests of what happens
// when the disk is full or a write is lost (LevelDB's EnvWrapper pattern). Thread-safe.
#pragma once

#include <atomic>

#include "platform/file_system.h"

namespace optin::platform {

class FaultInjectingFileSystem final : public FileSystem {
 public:
  explicit FaultInjectingFileSystem(FileSystem& base) : base_(base) {}

  // The next `n` mutating operations succeed, then every one fails with `error` (ENOSPC by
  // default) until Heal(). n = 0 fails the very next one.
  void FailAfter(int n, int error = 28 /* ENOSPC */) {
    error_ = error;
    remaining_ = n;
    armed_ = true;
  }
  void Heal() { armed_ = false; }
  int mutating_operations() const { return ops_; }

  Result<std::string> ReadFile(const std::filesystem::path& path) override;
  Status WriteFileAtomic(const std::filesystem::path& path, std::string_view data,
                         mode_t mode) override;
  Status CreateDirectories(const std::filesystem::path& path, mode_t mode) override;
  Result<bool> Exists(const std::filesystem::path& path) override;
  Status Remove(const std::filesystem::path& path) override;
  Result<std::vector<std::filesystem::path>> List(const std::filesystem::path& dir) override;
  Result<mode_t> Mode(const std::filesystem::path& path) override;
  Result<int> OpenDevice(const std::filesystem::path& path, int flags) override;

 private:
  Status MaybeFail(std::string_view what, const std::filesystem::path& path);

  FileSystem& base_;
  std::atomic<bool> armed_{false};
  std::atomic<int> remaining_{0};
  std::atomic<int> error_{28};
  std::atomic<int> ops_{0};
};

}  // namespace optin::platform
