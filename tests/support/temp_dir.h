// A fresh directory under the system temp dir, removed with everything in it on destruction.
// Not thread-safe; one per test.
#pragma once

#include <filesystem>

namespace optin::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::filesystem::path& p) const { return path_ / p; }

 private:
  std::filesystem::path path_;
};

}  // namespace optin::testing
