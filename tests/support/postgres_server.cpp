#include "tests/support/postgres_server.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "tests/support/run_command.h"

namespace optin::testing {
namespace fs = std::filesystem;
namespace {

// The user the server runs as when the tests run as root.
constexpr const char* kServerUser = "nobody";

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string Bin(std::string_view tool) {
  return (fs::path(PostgresServer::kBinDir) / tool).string();
}

// A port nothing listens on right now (the kernel's pick for an ephemeral bind).
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

// The parent pid and state of a process from /proc/PID/stat; false when it is gone.
bool ProcessInfo(pid_t pid, pid_t* ppid, char* state) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(in, text)) return false;
  const size_t close_paren = text.rfind(')');
  if (close_paren == std::string::npos) return false;
  std::istringstream rest(text.substr(close_paren + 2));
  rest >> *state >> *ppid;
  return true;
}

bool Alive(pid_t pid) {
  pid_t ppid;
  char state = 0;
  return ProcessInfo(pid, &ppid, &state) && state != 'Z' && state != 'X';
}

std::vector<pid_t> ChildrenOf(pid_t parent) {
  std::vector<pid_t> out;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(name));
    pid_t ppid = 0;
    char state = 0;
    if (ProcessInfo(pid, &ppid, &state) && ppid == parent) out.push_back(pid);
  }
  return out;
}

}  // namespace

std::string PostgresServer::MissingReason() {
  for (const char* tool : {"initdb", "pg_ctl", "postgres", "createdb"}) {
    if (access(Bin(tool).c_str(), X_OK) != 0) {
      return Bin(tool) +
             " is missing: PostgreSQL 15 is not installed (Debian postgresql-15; "
             "tools/install-deps installs it)";
    }
  }
  if (geteuid() == 0 && getpwnam(kServerUser) == nullptr) {
    return std::string("running as root and there is no user '") + kServerUser +
           "' to run PostgreSQL as";
  }
  return {};
}

Status PostgresServer::Run(const std::string& command, bool as_server_user,
                           std::string_view what) const {
  const std::string full =
      (as_server_user && geteuid() == 0 ? std::string("runuser -u ") + kServerUser + " -- "
                                        : std::string()) +
      command;
  CommandResult r = RunCommand(full);
  if (r.exit_code != 0) {
    return Fail(ErrorCode::kIo, std::string(what) + " failed (exit " + std::to_string(r.exit_code) +
                                    "): " + r.out + LogTail());
  }
  return Ok();
}

namespace {

// A folder the server's user may use: `dir` traversable by all, `dir`/data and `dir`/run its
// own and private (initdb and the server insist on 0700 for data).
Status MakeServerFolders(const fs::path& dir) {
  fs::permissions(dir, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
  for (const char* sub : {"data", "run"}) {
    std::error_code ec;
    fs::create_directory(dir / sub, ec);
    if (ec) return Fail(ErrorCode::kIo, "cannot create " + (dir / sub).string());
    fs::permissions(dir / sub, fs::perms::owner_all);
    if (geteuid() == 0) {
      const passwd* pw = getpwnam(kServerUser);
      if (pw == nullptr || chown((dir / sub).c_str(), pw->pw_uid, pw->pw_gid) != 0) {
        return Fail(ErrorCode::kIo, "chown of " + (dir / sub).string() + " failed");
      }
    }
  }
  return Ok();
}

Result<fs::path> MakeTempDir(std::string_view prefix) {
  std::string tmpl = (fs::temp_directory_path() / (std::string(prefix) + "XXXXXX")).string();
  if (mkdtemp(tmpl.data()) == nullptr) return Fail(ErrorCode::kIo, "mkdtemp failed");
  return fs::path(tmpl);
}

}  // namespace

Result<std::filesystem::path> PostgresServer::ClusterTemplate() {
  const fs::path cache = fs::temp_directory_path() / "optin-pg15-cluster-v1";
  if (fs::exists(cache / "data" / "PG_VERSION")) return cache / "data";
  // Built aside and renamed into place: whoever renames first wins, the others' copies go.
  OPTIN_ASSIGN_OR_RETURN(fs::path building, MakeTempDir("optin-pg15-cluster-v1.building-"));
  std::unique_ptr<PostgresServer> s(new PostgresServer());
  s->dir_ = building;
  OPTIN_TRY(MakeServerFolders(building));
  OPTIN_TRY(s->Run(Bin("initdb") + " --no-sync -D " + Quote((building / "data").string()) +
                       " -A trust -U postgres -E UTF8 --locale=C",
                   true, "initdb"));
  OPTIN_TRY(s->StartOnFreePort());
  OPTIN_ASSIGN_OR_RETURN(std::string first, s->CreateDatabase());
  (void)first;
  OPTIN_TRY(s->Stop());
  std::error_code ec;
  fs::remove_all(building / "run", ec);
  s->dir_.clear();  // nothing for the destructor to remove
  fs::rename(building, cache, ec);
  if (ec) fs::remove_all(building, ec);
  if (!fs::exists(cache / "data" / "PG_VERSION")) {
    return Fail(ErrorCode::kIo, "could not set up " + cache.string());
  }
  return cache / "data";
}

Result<std::unique_ptr<PostgresServer>> PostgresServer::Start() {
  if (std::string missing = MissingReason(); !missing.empty()) {
    return Fail(ErrorCode::kUnavailable, missing);
  }
  OPTIN_ASSIGN_OR_RETURN(fs::path cluster, ClusterTemplate());
  std::unique_ptr<PostgresServer> s(new PostgresServer());
  OPTIN_ASSIGN_OR_RETURN(s->dir_, MakeTempDir("optin-pg-"));
  OPTIN_TRY(MakeServerFolders(s->dir_));
  // cp -a keeps the owner (the server's user) and the 0700 mode.
  std::error_code ec;
  fs::remove(s->dir_ / "data", ec);
  OPTIN_TRY(s->Run("cp -a " + Quote(cluster.string()) + " " + Quote((s->dir_ / "data").string()),
                   false, "copying the cluster"));
  s->unused_first_database_ = true;  // the template holds test_1, empty
  OPTIN_TRY(s->StartOnFreePort());
  return s;
}

Status PostgresServer::StartOnFreePort() {
  // A port taken between FreePort() and the server's bind makes the start fail: try others.
  Status started = Fail(ErrorCode::kInternal, "not started");
  for (int attempt = 0; attempt < 3 && !started; ++attempt) {
    port_ = FreePort();
    started = StartServer();
  }
  return started;
}

Status PostgresServer::StartServer() {
  const std::string run = (dir_ / "run").string();
  const std::string options = "-p " + std::to_string(port_) + " -k " + run +
                              " -c listen_addresses=127.0.0.1 -c fsync=on"
                              " -c shared_buffers=16MB -c max_connections=30"
                              " -c max_wal_size=256MB"
                              // Crash recovery syncs the data folder first: syncfs once
                              // instead of an fsync per file (5 s to 0.6 s here).
                              " -c recovery_init_sync_method=syncfs";
  OPTIN_TRY(Run(Bin("pg_ctl") + " -D " + Quote((dir_ / "data").string()) + " -l " +
                    Quote(run + "/server.log") + " -o " + Quote(options) + " -w -t 60 start",
                true, "pg_ctl start"));
  running_ = true;
  return Ok();
}

Status PostgresServer::Stop() {
  if (!running_) return Ok();
  OPTIN_TRY(Run(Bin("pg_ctl") + " -D " + Quote((dir_ / "data").string()) + " -m fast -w stop", true,
                "pg_ctl stop"));
  running_ = false;
  return Ok();
}

Status PostgresServer::Kill() {
  if (!running_) return Ok();
  std::ifstream pid_file(dir_ / "data" / "postmaster.pid");
  pid_t postmaster = 0;
  if (!(pid_file >> postmaster) || postmaster <= 0) {
    return Fail(ErrorCode::kIo, "no postmaster.pid to kill");
  }
  // Stopped first, so that it starts no new process while its children are listed.
  ::kill(postmaster, SIGSTOP);
  std::vector<pid_t> all = ChildrenOf(postmaster);
  ::kill(postmaster, SIGKILL);
  for (pid_t child : all) ::kill(child, SIGKILL);
  all.push_back(postmaster);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (pid_t pid : all) {
    while (Alive(pid)) {
      if (std::chrono::steady_clock::now() > deadline) {
        return Fail(ErrorCode::kIo, "PostgreSQL process " + std::to_string(pid) +
                                        " still alive 20 s after SIGKILL");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  // The killed server's lock files name its pid, which may linger as a zombie where nothing
  // reaps orphans; it is dead, so they are stale (PostgreSQL would remove them itself once the
  // pid is gone).
  std::error_code ec;
  fs::remove(dir_ / "data" / "postmaster.pid", ec);
  fs::remove(dir_ / "run" / (".s.PGSQL." + std::to_string(port_) + ".lock"), ec);
  running_ = false;
  return Ok();
}

Status PostgresServer::Restart() {
  if (running_) OPTIN_TRY(Stop());
  return StartServer();
}

Result<std::string> PostgresServer::CreateDatabase() {
  if (unused_first_database_) {
    unused_first_database_ = false;
    return Url("test_" + std::to_string(++databases_));
  }
  const std::string name = "test_" + std::to_string(++databases_);
  OPTIN_TRY(Run(Bin("createdb") + " -h " + Quote((dir_ / "run").string()) + " -p " +
                    std::to_string(port_) + " -U postgres " + name,
                false, "createdb"));
  return Url(name);
}

std::string PostgresServer::Url(std::string_view database) const {
  return "postgresql://postgres@/" + std::string(database) + "?host=" + (dir_ / "run").string() +
         "&port=" + std::to_string(port_);
}

std::string PostgresServer::LogTail() const {
  std::ifstream in(dir_ / "run" / "server.log");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.empty()) return {};
  if (text.size() > 2000) text = "..." + text.substr(text.size() - 2000);
  return "\n--- server log ---\n" + text;
}

PostgresServer::~PostgresServer() {
  if (running_) {
    (void)Run(Bin("pg_ctl") + " -D " + Quote((dir_ / "data").string()) + " -m immediate -w stop",
              true, "pg_ctl stop");
  }
  std::error_code ec;
  if (!dir_.empty()) fs::remove_all(dir_, ec);
}

PostgresEnvironment* PostgresEnvironment::Register() {
  static PostgresEnvironment* const env = [] {
    auto* e = new PostgresEnvironment();
    ::testing::AddGlobalTestEnvironment(e);  // gtest owns it
    return e;
  }();
  return env;
}

PostgresServer* PostgresEnvironment::Server() {
  if (!tried_) {
    tried_ = true;
    auto s = PostgresServer::Start();
    if (s) {
      server_ = std::move(*s);
    } else {
      error_ = s.error().message;
    }
  }
  return server_.get();
}

}  // namespace optin::testing
