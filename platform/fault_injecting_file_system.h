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
  // Only the door's Admit() of `op` (the database's own writes, fsyncs or truncates) fails,
  // with `error`, after `n` of them succeed, until Heal(); FailAfter's counting is untouched.
  void FailOnly(FileOp op, int n, int error) {
    only_error_ = error;
    only_op_ = static_cast<int>(op);
    only_remaining_ = n;
    only_armed_ = true;
  }
  // After `n` admitted database writes, each one writes only half its bytes and the rest is
  // refused as a full disk (a short write), until Heal().
  void ShortWritesAfter(int n) {
    short_remaining_ = n;
    short_armed_ = true;
  }
  void Heal() {
    armed_ = false;
    only_armed_ = false;
    short_armed_ = false;
  }
  // How many operations Admit() refused or shortened since the start.
  int faults_injected() const { return faults_; }
  int mutating_operations() const { return ops_; }

  Result<std::string> ReadFile(const std::filesystem::path& path) override;
  Status WriteFileAtomic(const std::filesystem::path& path, std::string_view data,
                         mode_t mode) override;
  Status CreateDirectories(const std::filesystem::path& path, mode_t mode) override;
  Result<bool> Exists(const std::filesystem::path& path) override;
  Status Remove(const std::filesystem::path& path) override;
  Result<std::vector<std::filesystem::path>> List(const std::filesystem::path& dir) override;
  Result<mode_t> Mode(const std::filesystem::path& path) override;
  Result<uint64_t> FileSize(const std::filesystem::path& path) override;
  Status Admit(FileOp op, const std::filesystem::path& path, size_t& bytes) override;
  Result<int> OpenDevice(const std::filesystem::path& path, int flags) override;

 private:
  Status MaybeFail(std::string_view what, const std::filesystem::path& path);
  // Counts down `remaining` while it is above zero: true once it is spent (time to fail).
  static bool Spent(std::atomic<int>& remaining);

  FileSystem& base_;
  std::atomic<bool> armed_{false};
  std::atomic<int> remaining_{0};
  std::atomic<int> error_{28};
  std::atomic<int> ops_{0};
  std::atomic<bool> only_armed_{false};
  std::atomic<int> only_op_{0};
  std::atomic<int> only_remaining_{0};
  std::atomic<int> only_error_{5};
  std::atomic<bool> short_armed_{false};
  std::atomic<int> short_remaining_{0};
  std::atomic<int> faults_{0};
};

}  // namespace optin::platform
