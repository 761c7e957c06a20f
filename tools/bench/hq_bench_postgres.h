// A PostgreSQL 15 server of the benchmark's own (hq_bench): `initdb` and `pg_ctl` from
// /usr/lib/postgresql/15/bin into a fresh temporary folder, listening only on a Unix socket in
// that folder, run as the unprivileged user `nobody` when the benchmark runs as root (PostgreSQL
// refuses root), as the tests do (tests/support/postgres_server.h), but sized for a chain's year:
// fsync and synchronous commit on as in production, more shared buffers and WAL than the tests'
// server. Removed with its folder when destroyed. One thread drives it; not thread-safe.
#pragma once

#include <pwd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>

#include "platform/error.h"

namespace optin::bench {

class BenchPostgres {
 public:
  static constexpr std::string_view kBinDir = "/usr/lib/postgresql/15/bin";
  // The settings the server runs with (printed by the benchmark).
  static constexpr std::string_view kSettings =
      "fsync=on synchronous_commit=on shared_buffers=2GB work_mem=64MB "
      "maintenance_work_mem=512MB effective_cache_size=12GB max_wal_size=8GB "
      "checkpoint_timeout=30min";

  static Result<std::unique_ptr<BenchPostgres>> Start() {
    const std::filesystem::path initdb = std::filesystem::path(kBinDir) / "initdb";
    if (access(initdb.c_str(), X_OK) != 0) {
      return Fail(ErrorCode::kUnavailable,
                  initdb.string() +
                      " is missing: install postgresql-15 (tools/install-deps) or "
                      "give --db postgresql://... or --db sqlite:PATH");
    }
    std::unique_ptr<BenchPostgres> s(new BenchPostgres());
    std::string tmpl = (std::filesystem::temp_directory_path() / "optin-hq-bench-pg-XXXXXX");
    if (mkdtemp(tmpl.data()) == nullptr) return Fail(ErrorCode::kIo, "mkdtemp failed");
    s->dir_ = tmpl;
    chmod(s->dir_.c_str(), 0711);
    for (const char* sub : {"data", "run"}) {
      const std::filesystem::path p = s->dir_ / sub;
      if (mkdir(p.c_str(), 0700) != 0) return Fail(ErrorCode::kIo, "cannot create " + p.string());
      if (geteuid() == 0) {
        const passwd* pw = getpwnam(kUser);
        if (pw == nullptr || chown(p.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
          return Fail(ErrorCode::kIo, std::string("running as root and cannot hand ") + p.string() +
                                          " to the user '" + kUser + "'");
        }
      }
    }
    OPTIN_TRY(s->Run(Bin("initdb") + " --no-sync -D " + Quote(s->data()) +
                         " -A trust -U postgres -E UTF8 --locale=C",
                     true, "initdb"));
    const std::string options = "-p 5432 -k " + s->run() +
                                " -c listen_addresses='' -c max_connections=20 "
                                "-c dynamic_shared_memory_type=posix -c " +
                                Options(kSettings);
    OPTIN_TRY(s->Run(Bin("pg_ctl") + " -D " + Quote(s->data()) + " -l " +
                         Quote(s->run() + "/server.log") + " -o " + Quote(options) +
                         " -w -t 60 start",
                     true, "pg_ctl start"));
    s->running_ = true;
    std::ifstream pid_file(s->dir_ / "data" / "postmaster.pid");
    pid_file >> s->postmaster_;
    OPTIN_TRY(s->Run(Bin("createdb") + " -h " + Quote(s->run()) + " -p 5432 -U postgres hqbench",
                     false, "createdb"));
    return s;
  }

  ~BenchPostgres() {
    if (running_) {
      (void)Run(Bin("pg_ctl") + " -D " + Quote(data()) + " -m immediate -w stop", true,
                "pg_ctl stop");
    }
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  BenchPostgres(const BenchPostgres&) = delete;
  BenchPostgres& operator=(const BenchPostgres&) = delete;

  // The server's main process (an immediate shutdown on SIGQUIT), for a signal handler.
  pid_t postmaster() const { return postmaster_; }

  std::string url() const { return "postgresql://postgres@/hqbench?host=" + run() + "&port=5432"; }

 private:
  static constexpr const char* kUser = "nobody";
  BenchPostgres() = default;

  static std::string Bin(std::string_view tool) {
    return (std::filesystem::path(kBinDir) / tool).string();
  }
  static std::string Quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
  }
  // "a=1 b=2" -> "a=1 -c b=2"
  static std::string Options(std::string_view settings) {
    std::string out;
    for (char c : settings) out += c == ' ' ? std::string(" -c ") : std::string(1, c);
    return out;
  }
  std::string data() const { return (dir_ / "data").string(); }
  std::string run() const { return (dir_ / "run").string(); }

  Status Run(const std::string& command, bool as_server_user, std::string_view what) const {
    const std::string full =
        (as_server_user && geteuid() == 0 ? std::string("runuser -u ") + kUser + " -- "
                                          : std::string()) +
        command + " 2>&1";
    FILE* p = popen(full.c_str(), "r");
    if (p == nullptr) return Fail(ErrorCode::kIo, std::string(what) + ": cannot run");
    std::string out;
    std::array<char, 4096> buf;
    while (size_t n = fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
    const int status = pclose(p);
    if (status != 0) {
      std::ifstream log(dir_ / "run" / "server.log");
      std::string tail((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
      if (tail.size() > 2000) tail = tail.substr(tail.size() - 2000);
      return Fail(ErrorCode::kIo, std::string(what) + " failed: " + out + tail);
    }
    return Ok();
  }

  std::filesystem::path dir_;
  bool running_ = false;
  pid_t postmaster_ = 0;
};

}  // namespace optin::bench
