// Looks into a daemon's SQLite file from the outside, read-only, while the daemon runs (WAL lets
// a second process read beside its writer): single values, row counts and PRAGMA
// integrity_check. For integration tests that check what is on disk, not what the API says.
// Not thread-safe; one per test.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace optin::testing {

class DbReader {
 public:
  explicit DbReader(const std::filesystem::path& file) {
    if (sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      std::string why = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw std::runtime_error("cannot open " + file.string() + " read-only: " + why);
    }
    sqlite3_busy_timeout(db_, 5000);
  }
  ~DbReader() { sqlite3_close(db_); }
  DbReader(const DbReader&) = delete;
  DbReader& operator=(const DbReader&) = delete;

  // The first column of the first row of `sql` with text parameters bound in order, as text;
  // nullopt when there is no row.
  std::optional<std::string> Text(std::string_view sql,
                                  std::initializer_list<std::string_view> params = {}) {
    sqlite3_stmt* stmt = Prepare(sql, params);
    std::optional<std::string> out;
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
      out = text != nullptr ? std::string(text) : std::string();
    } else if (rc != SQLITE_DONE) {
      std::string why = sqlite3_errmsg(db_);
      sqlite3_finalize(stmt);
      throw std::runtime_error(std::string(sql) + ": " + why);
    }
    sqlite3_finalize(stmt);
    return out;
  }

  // The first column of the first row as an integer (0 when there is no row).
  int64_t Int(std::string_view sql, std::initializer_list<std::string_view> params = {}) {
    auto text = Text(sql, params);
    return text && !text->empty() ? std::stoll(*text) : 0;
  }

  // Every row PRAGMA integrity_check prints, joined: "ok" for a sound file.
  std::string IntegrityCheck() {
    sqlite3_stmt* stmt = Prepare("PRAGMA integrity_check", {});
    std::string out;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      if (!out.empty()) out += "; ";
      out += reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    return out;
  }

 private:
  sqlite3_stmt* Prepare(std::string_view sql, std::initializer_list<std::string_view> params) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) !=
        SQLITE_OK) {
      throw std::runtime_error(std::string(sql) + ": " + sqlite3_errmsg(db_));
    }
    int i = 1;
    for (std::string_view p : params) {
      sqlite3_bind_text(stmt, i++, p.data(), static_cast<int>(p.size()), SQLITE_TRANSIENT);
    }
    return stmt;
  }

  sqlite3* db_ = nullptr;
};

}  // namespace optin::testing
