#include "platform/fault_injecting_file_system.h"

namespace optin::platform {

bool FaultInjectingFileSystem::Spent(std::atomic<int>& remaining) {
  int left = remaining.load();
  while (left > 0) {
    if (remaining.compare_exchange_weak(left, left - 1)) return false;
  }
  return true;
}

Status FaultInjectingFileSystem::MaybeFail(std::string_view what,
                                           const std::filesystem::path& path) {
  ops_.fetch_add(1);
  if (!armed_.load() || !Spent(remaining_)) return Ok();
  return std::unexpected(ErrnoError(error_.load(), what, path));
}

Status FaultInjectingFileSystem::Admit(FileOp op, const std::filesystem::path& path,
                                       size_t& bytes) {
  static constexpr std::string_view kWhat[] = {"write", "fsync", "truncate"};
  const std::string_view what = kWhat[static_cast<int>(op)];
  if (only_armed_.load() && only_op_.load() == static_cast<int>(op) && Spent(only_remaining_)) {
    faults_.fetch_add(1);
    return std::unexpected(ErrnoError(only_error_.load(), what, path));
  }
  if (op == FileOp::kWrite && short_armed_.load() && bytes > 1 && Spent(short_remaining_)) {
    faults_.fetch_add(1);
    bytes /= 2;
    return Ok();
  }
  if (Status s = MaybeFail(what, path); !s) {
    faults_.fetch_add(1);
    return s;
  }
  return base_.Admit(op, path, bytes);
}

Result<uint64_t> FaultInjectingFileSystem::FileSize(const std::filesystem::path& path) {
  return base_.FileSize(path);
}

Result<std::string> FaultInjectingFileSystem::ReadFile(const std::filesystem::path& path) {
  return base_.ReadFile(path);
}

Status FaultInjectingFileSystem::WriteFileAtomic(const std::filesystem::path& path,
                                                 std::string_view data, mode_t mode) {
  OPTIN_TRY(MaybeFail("write", path));
  return base_.WriteFileAtomic(path, data, mode);
}

Status FaultInjectingFileSystem::CreateDirectories(const std::filesystem::path& path, mode_t mode) {
  OPTIN_TRY(MaybeFail("mkdir", path));
  return base_.CreateDirectories(path, mode);
}

Result<bool> FaultInjectingFileSystem::Exists(const std::filesystem::path& path) {
  return base_.Exists(path);
}

Status FaultInjectingFileSystem::Remove(const std::filesystem::path& path) {
  OPTIN_TRY(MaybeFail("remove", path));
  return base_.Remove(path);
}

Result<std::vector<std::filesystem::path>> FaultInjectingFileSystem::List(
    const std::filesystem::path& dir) {
  return base_.List(dir);
}

Result<mode_t> FaultInjectingFileSystem::Mode(const std::filesystem::path& path) {
  return base_.Mode(path);
}

Result<int> FaultInjectingFileSystem::OpenDevice(const std::filesystem::path& path, int flags) {
  OPTIN_TRY(MaybeFail("open", path));
  return base_.OpenDevice(path, flags);
}

}  // namespace optin::platform
