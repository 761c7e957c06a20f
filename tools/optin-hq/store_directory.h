// The chain's stores, read from the stores file: `stores.toml` ([[store]] tables) or
// `stores.csv` (a header row naming the columns). Every error names the file and line and
// changes nothing: a caller keeps its current directory until a file loads whole. Immutable
// after Parse/Load (share it as std::shared_ptr<const StoreDirectory>); thread-safe to read.
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "platform/error.h"
#include "tools/optin-hq/store_info.h"

namespace optin::hq {

enum class StoresFormat { kToml, kCsv };

class StoreDirectory {
 public:
  // `origin` names the text in messages ("stores.toml:12: ...").
  static Result<StoreDirectory> Parse(std::string_view text, StoresFormat format,
                                      std::string_view origin);
  // Reads the file; the format from its extension (.toml or .csv).
  static Result<StoreDirectory> Load(const std::filesystem::path& file);

  // Every store, ordered by id.
  std::span<const StoreInfo> stores() const { return stores_; }
  // nullptr when the id is not in the file (an upload from it is refused).
  const StoreInfo* Find(std::string_view id) const;
  // The regions named, sorted, each once.
  std::vector<std::string> Regions() const;

 private:
  explicit StoreDirectory(std::vector<StoreInfo> stores) : stores_(std::move(stores)) {}
  std::vector<StoreInfo> stores_;  // sorted by id; never changed after construction
};

}  // namespace optin::hq
