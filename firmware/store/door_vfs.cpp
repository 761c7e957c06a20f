#include "store/door_vfs.h"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cstring>

namespace optin::store {
namespace {

using FileOp = platform::FileSystem::FileOp;

// What SQLite allocates per open file (the VFS's szOsFile): this header, then the default
// VFS's own file right after it.
struct DoorFile {
  sqlite3_file base;  // first: SQLite sees a DoorFile as a sqlite3_file
  DoorVfs* door;
  const char* path;  // SQLite keeps the name valid until xClose; null for temporary files
  sqlite3_file* real() { return reinterpret_cast<sqlite3_file*>(this + 1); }
};
static_assert(sizeof(DoorFile) % alignof(sqlite3_int64) == 0);  // the real file follows aligned

DoorFile* Door(sqlite3_file* f) { return reinterpret_cast<DoorFile*>(f); }
sqlite3_file* Real(sqlite3_file* f) { return Door(f)->real(); }

// The door's refusal as SQLite's code for `op`: a full disk is SQLITE_FULL (as the default VFS
// says it), anything else the I/O error of that operation.
int Refused(const Error& e, int io_error) {
  return e.code == ErrorCode::kResourceExhausted ? SQLITE_FULL : io_error;
}

Status Ask(sqlite3_file* f, FileOp op, size_t& bytes) {
  DoorFile* d = Door(f);
  return d->door->fs().Admit(op, d->path != nullptr ? d->path : "", bytes);
}

int Close(sqlite3_file* f) { return Real(f)->pMethods->xClose(Real(f)); }
int Read(sqlite3_file* f, void* buf, int amount, sqlite3_int64 offset) {
  return Real(f)->pMethods->xRead(Real(f), buf, amount, offset);
}
int Write(sqlite3_file* f, const void* buf, int amount, sqlite3_int64 offset) {
  size_t bytes = static_cast<size_t>(amount);
  if (Status s = Ask(f, FileOp::kWrite, bytes); !s) return Refused(s.error(), SQLITE_IOERR_WRITE);
  if (bytes < static_cast<size_t>(amount)) {  // a short write: part on disk, the rest refused
    if (bytes > 0) Real(f)->pMethods->xWrite(Real(f), buf, static_cast<int>(bytes), offset);
    return SQLITE_FULL;
  }
  return Real(f)->pMethods->xWrite(Real(f), buf, amount, offset);
}
int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  size_t none = 0;
  if (Status s = Ask(f, FileOp::kTruncate, none); !s) {
    return Refused(s.error(), SQLITE_IOERR_TRUNCATE);
  }
  return Real(f)->pMethods->xTruncate(Real(f), size);
}
int Sync(sqlite3_file* f, int flags) {
  size_t none = 0;
  if (Status s = Ask(f, FileOp::kSync, none); !s) return Refused(s.error(), SQLITE_IOERR_FSYNC);
  return Real(f)->pMethods->xSync(Real(f), flags);
}
int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  return Real(f)->pMethods->xFileSize(Real(f), size);
}
int Lock(sqlite3_file* f, int level) { return Real(f)->pMethods->xLock(Real(f), level); }
int Unlock(sqlite3_file* f, int level) { return Real(f)->pMethods->xUnlock(Real(f), level); }
int CheckReservedLock(sqlite3_file* f, int* out) {
  return Real(f)->pMethods->xCheckReservedLock(Real(f), out);
}
int FileControl(sqlite3_file* f, int op, void* arg) {
  return Real(f)->pMethods->xFileControl(Real(f), op, arg);
}
int SectorSize(sqlite3_file* f) { return Real(f)->pMethods->xSectorSize(Real(f)); }
int DeviceCharacteristics(sqlite3_file* f) {
  return Real(f)->pMethods->xDeviceCharacteristics(Real(f));
}
int ShmMap(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return Real(f)->pMethods->xShmMap(Real(f), region, size, extend, out);
}
int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  return Real(f)->pMethods->xShmLock(Real(f), offset, n, flags);
}
void ShmBarrier(sqlite3_file* f) { Real(f)->pMethods->xShmBarrier(Real(f)); }
int ShmUnmap(sqlite3_file* f, int delete_flag) {
  return Real(f)->pMethods->xShmUnmap(Real(f), delete_flag);
}
int Fetch(sqlite3_file* f, sqlite3_int64 offset, int amount, void** out) {
  return Real(f)->pMethods->xFetch(Real(f), offset, amount, out);
}
int Unfetch(sqlite3_file* f, sqlite3_int64 offset, void* p) {
  return Real(f)->pMethods->xUnfetch(Real(f), offset, p);
}

// The methods of our files, at the version of the default VFS's file under them (the unix VFS
// gives 3; a lower one must not be offered the newer methods).
sqlite3_io_methods MethodsOfVersion(int version) {
  sqlite3_io_methods m{version,
                       Close,
                       Read,
                       Write,
                       Truncate,
                       Sync,
                       FileSize,
                       Lock,
                       Unlock,
                       CheckReservedLock,
                       FileControl,
                       SectorSize,
                       DeviceCharacteristics,
                       ShmMap,
                       ShmLock,
                       ShmBarrier,
                       ShmUnmap,
                       Fetch,
                       Unfetch};
  if (version < 2)
    m.xShmMap = nullptr, m.xShmLock = nullptr, m.xShmBarrier = nullptr, m.xShmUnmap = nullptr;
  if (version < 3) m.xFetch = nullptr, m.xUnfetch = nullptr;
  return m;
}
const sqlite3_io_methods kMethods[] = {MethodsOfVersion(1), MethodsOfVersion(2),
                                       MethodsOfVersion(3)};

DoorVfs* Of(sqlite3_vfs* vfs) { return static_cast<DoorVfs*>(vfs->pAppData); }

int Open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  DoorVfs* door = Of(vfs);
  DoorFile* d = Door(file);
  d->base.pMethods = nullptr;
  d->door = door;
  d->path = name;
  const int rc = door->base()->xOpen(door->base(), name, d->real(), flags, out_flags);
  // Our methods only over a file the default VFS opened (xClose is called only then).
  if (const sqlite3_io_methods* m = d->real()->pMethods) {
    d->base.pMethods = &kMethods[std::clamp(m->iVersion, 1, 3) - 1];
  }
  return rc;
}
int Delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
  return Of(vfs)->base()->xDelete(Of(vfs)->base(), name, sync_dir);
}
int Access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
  return Of(vfs)->base()->xAccess(Of(vfs)->base(), name, flags, out);
}
int FullPathname(sqlite3_vfs* vfs, const char* name, int n, char* out) {
  return Of(vfs)->base()->xFullPathname(Of(vfs)->base(), name, n, out);
}
void* DlOpen(sqlite3_vfs* vfs, const char* name) {
  return Of(vfs)->base()->xDlOpen(Of(vfs)->base(), name);
}
void DlError(sqlite3_vfs* vfs, int n, char* out) {
  Of(vfs)->base()->xDlError(Of(vfs)->base(), n, out);
}
void (*DlSym(sqlite3_vfs* vfs, void* handle, const char* symbol))(void) {
  return Of(vfs)->base()->xDlSym(Of(vfs)->base(), handle, symbol);
}
void DlClose(sqlite3_vfs* vfs, void* handle) { Of(vfs)->base()->xDlClose(Of(vfs)->base(), handle); }
int Randomness(sqlite3_vfs* vfs, int n, char* out) {
  return Of(vfs)->base()->xRandomness(Of(vfs)->base(), n, out);
}
int Sleep(sqlite3_vfs* vfs, int micros) { return Of(vfs)->base()->xSleep(Of(vfs)->base(), micros); }
int CurrentTime(sqlite3_vfs* vfs, double* out) {
  return Of(vfs)->base()->xCurrentTime(Of(vfs)->base(), out);
}
int GetLastError(sqlite3_vfs* vfs, int n, char* out) {
  return Of(vfs)->base()->xGetLastError(Of(vfs)->base(), n, out);
}
int CurrentTimeInt64(sqlite3_vfs* vfs, sqlite3_int64* out) {
  return Of(vfs)->base()->xCurrentTimeInt64(Of(vfs)->base(), out);
}

}  // namespace

DoorVfs::DoorVfs(platform::FileSystem& fs, sqlite3_vfs* base) : fs_(fs), base_(base) {
  static std::atomic<uint64_t> next{0};
  name_ = "optin-door-" + std::to_string(next.fetch_add(1));
  vfs_ = std::make_unique<sqlite3_vfs>();
  std::memset(vfs_.get(), 0, sizeof(sqlite3_vfs));
  vfs_->iVersion = 2;  // the system-call overrides of version 3 are not forwarded
  vfs_->szOsFile = static_cast<int>(sizeof(DoorFile)) + base->szOsFile;
  vfs_->mxPathname = base->mxPathname;
  vfs_->zName = name_.c_str();
  vfs_->pAppData = this;
  vfs_->xOpen = Open;
  vfs_->xDelete = Delete;
  vfs_->xAccess = Access;
  vfs_->xFullPathname = FullPathname;
  vfs_->xDlOpen = DlOpen;
  vfs_->xDlError = DlError;
  vfs_->xDlSym = DlSym;
  vfs_->xDlClose = DlClose;
  vfs_->xRandomness = Randomness;
  vfs_->xSleep = Sleep;
  vfs_->xCurrentTime = CurrentTime;
  vfs_->xGetLastError = GetLastError;
  vfs_->xCurrentTimeInt64 = CurrentTimeInt64;
}

Result<std::unique_ptr<DoorVfs>> DoorVfs::Register(platform::FileSystem& fs) {
  sqlite3_vfs* base = sqlite3_vfs_find(nullptr);
  if (base == nullptr || base->iVersion < 2) {
    return Fail(ErrorCode::kIo, "SQLite has no default file system (VFS) to build on");
  }
  std::unique_ptr<DoorVfs> door(new DoorVfs(fs, base));
  if (int rc = sqlite3_vfs_register(door->vfs_.get(), 0); rc != SQLITE_OK) {
    return Fail(ErrorCode::kIo,
                std::string("cannot register the database's file door: ") + sqlite3_errstr(rc));
  }
  door->registered_ = true;
  return door;
}

DoorVfs::~DoorVfs() {
  if (registered_) sqlite3_vfs_unregister(vfs_.get());
}

}  // namespace optin::store
