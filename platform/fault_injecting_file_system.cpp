#include "platform/fault_injecting_file_system.h"

namespace optin::platform {

Status FaultInjectingFileSystem::MaybeFail(std::string_view what,
                                           const std::filesystem::path& path) {
  ops_.fetch_add(1);
  if (!armed_.load()) return Ok();
  int remaining = remaining_.load();
  while (remaining > 0) {
    if (remaining_.compare_exchange_weak(remaining, remaining - 1)) return Ok();
  }
  return std::unexpected(ErrnoError(error_.load(), what, path));
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
