// A real PostgreSQL 15 server for tests: `initdb` and `pg_ctl` from /usr/lib/postgresql/15/bin
// into a fresh temporary folder, on a free port with its socket in that folder, run as the
// unprivileged user `nobody` when the tests run as root (PostgreSQL refuses root), fsync=on.
// Stop/Kill/Restart for fault tests; a fresh database per test. PostgresEnvironment gives one
// server per test binary, started on first use. Not thread-safe: one test thread drives it.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "platform/error.h"

namespace optin::testing {

class PostgresServer {
 public:
  static constexpr std::string_view kBinDir = "/usr/lib/postgresql/15/bin";

  // Why no server can be had here (the binaries are missing), or empty when it can.
  static std::string MissingReason();

  // Copies a fresh cluster into a new temporary folder and starts the server. The cluster is
  // made once by `initdb --no-sync` (an empty cluster; 4 s saved) and kept as a template in the
  // temp folder (optin-pg15-cluster-v1); the server itself runs with fsync=on, so every
  // commit is flushed as in production.
  static Result<std::unique_ptr<PostgresServer>> Start();
  ~PostgresServer();  // stops the server at once and removes the folder
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // A clean shutdown (pg_ctl stop -m fast): waits for it.
  Status Stop();
  // A crash: SIGKILL to the postmaster and every process it started, as a power cut would end
  // them (no checkpoint; the next start runs crash recovery). Returns once they are gone.
  Status Kill();
  // Starts the server again on the same port and folder after Stop or Kill; waits until it
  // accepts connections.
  Status Restart();
  bool running() const { return running_; }

  // Creates an empty database and returns its libpq URI (connecting over the socket).
  Result<std::string> CreateDatabase();
  std::string Url(std::string_view database) const;

  int port() const { return port_; }
  const std::filesystem::path& dir() const { return dir_; }
  // The server's log (for failure messages).
  std::string LogTail() const;

 private:
  PostgresServer() = default;
  // An initdb'd cluster (with one empty database, test_1), made once per machine in the temp
  // folder and copied for each server: initdb costs 1-2 s, a copy 0.2 s.
  static Result<std::filesystem::path> ClusterTemplate();
  Status StartOnFreePort();
  Status StartServer();
  // Runs a command (as the server's user when `as_server_user`); its output in the error.
  Status Run(const std::string& command, bool as_server_user, std::string_view what) const;

  std::filesystem::path dir_;  // dir_/data (0700, the server's user), dir_/run (socket, log)
  int port_ = 0;
  bool running_ = false;
  int databases_ = 0;                   // test_1, test_2, ... made so far
  bool unused_first_database_ = false;  // test_1 came with the cluster and is not handed out yet
};

// One PostgresServer per test binary, started on first use and stopped at the end.
// Register it once at namespace scope in a test file:
//   static auto* const pg = optin::testing::PostgresEnvironment::Register();
// and in a test: `PostgresServer* s = pg->Server();` after
//   if (!pg->skip_reason().empty()) GTEST_SKIP() << pg->skip_reason();
class PostgresEnvironment : public ::testing::Environment {
 public:
  static PostgresEnvironment* Register();
  // The server, starting it on first call; nullptr when it could not start (see error()).
  PostgresServer* Server();
  // Non-empty when PostgreSQL 15 is not installed: tests skip with this reason.
  std::string skip_reason() const { return PostgresServer::MissingReason(); }
  const std::string& error() const { return error_; }
  void TearDown() override { server_.reset(); }

 private:
  std::unique_ptr<PostgresServer> server_;
  std::string error_;
  bool tried_ = false;
};

}  // namespace optin::testing
