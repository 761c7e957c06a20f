// The stores file in force: loaded at start and again on reload (SIGHUP). A file with an error
// changes nothing (the previous directory stays in force) and the error names the file and
// line. Without a stores file (no --stores) there is no directory: any store whose certificate
// names it may upload, and no store can be told missing. Thread-safe.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>

#include "platform/error.h"
#include "tools/optin-hq/store_directory.h"

namespace optin::hq {

class StoresRegistry {
 public:
  explicit StoresRegistry(std::optional<std::filesystem::path> file) : file_(std::move(file)) {}

  // (Re)reads the file; on error keeps the directory in force and returns the error.
  Status Load();
  // The directory in force; null without a stores file.
  std::shared_ptr<const StoreDirectory> current() const;
  const std::optional<std::filesystem::path>& file() const { return file_; }

 private:
  const std::optional<std::filesystem::path> file_;
  mutable std::mutex mu_;
  std::shared_ptr<const StoreDirectory> current_;  // GUARDED_BY(mu_)
};

}  // namespace optin::hq
