// A SQLite VFS that takes the database's own file writes through the platform's door: before
// SQLite's default VFS writes, fsyncs or truncates the database, its WAL or its journal, it asks
// platform::FileSystem::Admit, so that a FaultInjectingFileSystem reaches the database's files
// (a full disk, EIO on fsync, a short write) exactly where SQLite meets them. Everything else
// (reads, locks, the WAL index) goes straight to the default VFS. One per Database, registered
// under a name of its own while it lives; it must outlive every connection opened through it.
// Thread-safe: SQLite calls it from every connection's thread.
#pragma once

#include <memory>
#include <string>

#include "platform/error.h"
#include "platform/file_system.h"

struct sqlite3_vfs;

namespace optin::store {

class DoorVfs {
 public:
  static Result<std::unique_ptr<DoorVfs>> Register(platform::FileSystem& fs);
  ~DoorVfs();  // unregisters
  DoorVfs(const DoorVfs&) = delete;
  DoorVfs& operator=(const DoorVfs&) = delete;

  // The name to open connections with (sqlite3_open_v2's zVfs).
  const std::string& name() const { return name_; }
  platform::FileSystem& fs() const { return fs_; }
  sqlite3_vfs* base() const { return base_; }

 private:
  DoorVfs(platform::FileSystem& fs, sqlite3_vfs* base);

  platform::FileSystem& fs_;
  sqlite3_vfs* base_;
  std::string name_;
  std::unique_ptr<sqlite3_vfs> vfs_;
  bool registered_ = false;
};

}  // namespace optin::store
