// Start-up and footprint probe for optin-edged (used by tools/bench/footprint_bench). Not a test:
// it prints figures.
//
//   footprint_probe start --daemon PATH --data-dir DIR [--config FILE] [--runs 5] [--idle-ms 1000]
//                         [--label L] [--cold 1]
//     Starts the daemon `runs` times, each as systemd would: with NOTIFY_SOCKET naming a
//     datagram socket of the probe's own. Ready means the daemon's READY=1 arrived; the time is
//     from just before fork() to then. Reads VmRSS/VmHWM from /proc at READY and after
//     `idle-ms` of idling, then stops it with SIGTERM and times the exit. One JSON line per run,
//     then a summary JSON line (min/median/max).
//
//     With --cold 1, the database files are evicted from the page cache before each start
//     (posix_fadvise DONTNEED on those files only), as after a power cycle.
//
//   footprint_probe rows --db FILE
//     Prints the number of rows in each table and in all, as one JSON line.
//
//   footprint_probe populate --db FILE --subjects N [--seed S]
//     Adds 10 realistic rows per subject to a database the daemon has already created, in one
//     transaction: the subject, 2 ended visits, 3 granted consents (presence, offers, history:
//     so that retention keeps the visits), 1 consent receipt of a real receipt's size, and 3
//     audit entries that continue the hash chain (`optinctl audit verify` stays intact).
//     N = 100000 gives a million rows.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "platform/encoding.h"
#include "platform/random.h"
#include "privacy/audit_log.h"
#include "store/connection.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

[[noreturn]] void Usage(const std::string& why) {
  std::fprintf(stderr,
               "footprint_probe: %s\n"
               "usage: footprint_probe start --daemon PATH --data-dir DIR [--config FILE] "
               "[--runs 5] [--idle-ms 1000] [--label L] [--cold 1]\n"
               "       footprint_probe populate --db FILE --subjects N [--seed S]\n"
               "       footprint_probe rows --db FILE\n",
               why.c_str());
  std::exit(2);
}

std::map<std::string, std::string> ParseFlags(int argc, char** argv, int from) {
  std::map<std::string, std::string> flags;
  for (int i = from; i < argc; ++i) {
    std::string a = argv[i];
    if (!a.starts_with("--") || i + 1 >= argc) Usage("bad argument '" + a + "'");
    flags[a.substr(2)] = argv[++i];
  }
  return flags;
}

// VmRSS and VmHWM of a live process, in KiB (0 when unreadable).
struct Memory {
  long rss_kib = 0;
  long hwm_kib = 0;
};
Memory ReadMemory(pid_t pid) {
  Memory m;
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("VmRSS:")) m.rss_kib = std::atol(line.c_str() + 6);
    if (line.starts_with("VmHWM:")) m.hwm_kib = std::atol(line.c_str() + 6);
  }
  return m;
}

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

struct StartRun {
  double ready_ms = 0;
  double stop_ms = 0;
  Memory at_ready;
  Memory idle;
};

// One start: fork, exec with NOTIFY_SOCKET, wait for READY=1, measure, SIGTERM, wait.
// Drops the clean pages of every file in `dir` whose name starts with the database's from the
// page cache, so that the next start reads them from the disk.
void EvictDatabase(const fs::path& dir) {
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!entry.path().filename().string().starts_with("optin-edge.db")) continue;
    int fd = open(entry.path().c_str(), O_RDONLY);
    if (fd < 0) continue;
    fdatasync(fd);
    posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    close(fd);
  }
}

StartRun StartOnce(const std::string& daemon, const std::string& data_dir,
                   const std::string& config, int idle_ms, const fs::path& work, bool cold) {
  if (cold) EvictDatabase(data_dir);
  const fs::path sock_path = work / "notify.sock";
  fs::remove(sock_path);
  int sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, sock_path.c_str(), sizeof addr.sun_path - 1);
  if (sock < 0 || bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::perror("footprint_probe: notify socket");
    std::exit(1);
  }
  const fs::path log = work / "daemon.log";
  std::vector<std::string> args = {daemon, "--data-dir", data_dir};
  if (!config.empty()) args.insert(args.end(), {"--config", config});

  const auto t0 = Clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    setenv("NOTIFY_SOCKET", sock_path.c_str(), 1);
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    dup2(fd, STDERR_FILENO);
    int null_fd = open("/dev/null", O_RDWR);
    dup2(null_fd, STDOUT_FILENO);
    dup2(null_fd, STDIN_FILENO);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  StartRun run;
  bool ready = false;
  const auto deadline = t0 + std::chrono::seconds(60);
  while (!ready && Clock::now() < deadline) {
    pollfd p{sock, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) {
      if (waitpid(pid, nullptr, WNOHANG) == pid) break;  // it died before READY
      continue;
    }
    char buf[4096];
    ssize_t n = recv(sock, buf, sizeof buf - 1, 0);
    if (n <= 0) continue;
    buf[n] = '\0';
    std::string_view msg(buf, static_cast<size_t>(n));
    if (msg.find("READY=1") != std::string_view::npos) {
      run.ready_ms = Ms(Clock::now() - t0);
      ready = true;
    }
  }
  close(sock);
  if (!ready) {
    std::fprintf(stderr, "footprint_probe: the daemon never said READY=1; its log (%s):\n",
                 log.c_str());
    std::ifstream in(log);
    std::fprintf(stderr, "%s\n", std::string(std::istreambuf_iterator<char>(in), {}).c_str());
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    std::exit(1);
  }
  run.at_ready = ReadMemory(pid);
  if (idle_ms > 0) {
    poll(nullptr, 0, idle_ms);  // a benchmark: idle on purpose
    run.idle = ReadMemory(pid);
  }
  const auto t_stop = Clock::now();
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  run.stop_ms = Ms(Clock::now() - t_stop);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "footprint_probe: the daemon did not stop cleanly (status %d)\n", status);
    std::exit(1);
  }
  return run;
}

int Start(const std::map<std::string, std::string>& flags) {
  auto get = [&](const char* k, const std::string& dflt = "") {
    auto it = flags.find(k);
    return it == flags.end() ? dflt : it->second;
  };
  const std::string daemon = get("daemon"), data_dir = get("data-dir");
  if (daemon.empty() || data_dir.empty()) Usage("start needs --daemon and --data-dir");
  const int runs = std::stoi(get("runs", "5"));
  const int idle_ms = std::stoi(get("idle-ms", "1000"));
  const std::string label = get("label", "start");
  char tmpl[] = "/tmp/footprint_probe.XXXXXX";
  if (mkdtemp(tmpl) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  const fs::path work = tmpl;
  std::vector<StartRun> all;
  for (int i = 0; i < runs; ++i) {
    StartRun r = StartOnce(daemon, data_dir, get("config"), idle_ms, work, get("cold") == "1");
    std::printf(
        "{\"label\":\"%s\",\"run\":%d,\"ready_ms\":%.1f,\"rss_at_ready_kib\":%ld,"
        "\"rss_idle_kib\":%ld,\"hwm_kib\":%ld,\"stop_ms\":%.1f}\n",
        label.c_str(), i + 1, r.ready_ms, r.at_ready.rss_kib, r.idle.rss_kib,
        std::max(r.idle.hwm_kib, r.at_ready.hwm_kib), r.stop_ms);
    std::fflush(stdout);
    all.push_back(r);
  }
  fs::remove_all(work);
  std::vector<double> ready;
  std::vector<long> rss;
  for (const auto& r : all) {
    ready.push_back(r.ready_ms);
    rss.push_back(idle_ms > 0 ? r.idle.rss_kib : r.at_ready.rss_kib);
  }
  std::sort(ready.begin(), ready.end());
  std::sort(rss.begin(), rss.end());
  std::printf(
      "{\"label\":\"%s\",\"summary\":true,\"runs\":%d,\"ready_ms_min\":%.1f,"
      "\"ready_ms_median\":%.1f,\"ready_ms_max\":%.1f,\"rss_idle_kib_median\":%ld}\n",
      label.c_str(), runs, ready.front(), ready[ready.size() / 2], ready.back(),
      rss[rss.size() / 2]);
  return 0;
}

// ---------------------------------------------------------------------------------------------
// populate

#define PROBE_TRY(expr)                                        \
  do {                                                         \
    auto&& probe_result_ = (expr);                             \
    if (!probe_result_) {                                      \
      std::fprintf(stderr, "footprint_probe: %s: %s\n", #expr, \
                   probe_result_.error().message.c_str());     \
      std::exit(1);                                            \
    }                                                          \
  } while (0)

int Populate(const std::map<std::string, std::string>& flags) {
  auto it_db = flags.find("db"), it_n = flags.find("subjects");
  if (it_db == flags.end() || it_n == flags.end()) Usage("populate needs --db and --subjects");
  const int64_t subjects = std::stoll(it_n->second);
  auto it_seed = flags.find("seed");
  optin::platform::SeededRandom random(it_seed == flags.end() ? 42 : std::stoull(it_seed->second));

  auto opened = optin::store::Connection::Open(it_db->second, optin::store::OpenMode::kReadWrite);
  if (!opened) {
    std::fprintf(stderr, "footprint_probe: %s\n", opened.error().message.c_str());
    return 1;
  }
  auto& conn = **opened;
  const auto t0 = Clock::now();
  PROBE_TRY(conn.Exec("BEGIN IMMEDIATE"));

  // The audit chain continues from its head.
  int64_t seq = 0;
  std::string prev(32, '\0');
  {
    auto stmt = conn.Prepare("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
    PROBE_TRY(stmt);
    auto row = stmt->Step();
    PROBE_TRY(row);
    if (*row) {
      seq = stmt->ColumnInt(0);
      prev = stmt->ColumnBlob(1);
    }
  }
  constexpr std::array kPseudonyms = {"Amber Heron", "Jade Trout",  "Coral Finch",
                                      "Slate Otter", "Ivory Crane", "Moss Badger"};
  constexpr std::array kPurposes = {"presence", "offers", "history"};
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  constexpr int64_t kDay = 86400;
  constexpr size_t kReceiptBytes = 3900;  // a signed consent receipt (JWS) as the daemon makes
  int64_t rows = 0;
  for (int64_t s = 0; s < subjects; ++s) {
    const std::string subject = optin::platform::HexEncode(random.Bytes(32));
    const int64_t since = now - static_cast<int64_t>(random.Uniform(170 * kDay)) - kDay;
    PROBE_TRY(conn.Execute("INSERT INTO subjects(id, created_at) VALUES (?, ?)", subject, since));
    ++rows;
    for (int v = 0; v < 2; ++v) {
      const int64_t started = since + static_cast<int64_t>(random.Uniform(static_cast<uint64_t>(
                                          std::max<int64_t>(1, now - since - 7200))));
      PROBE_TRY(conn.Execute(
          "INSERT INTO visits(id, subject_id, pseudonym, channel, token_hash, started_at, "
          "expires_at, ended_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
          "v_" + optin::platform::Base64UrlEncode(random.Bytes(12)), subject,
          std::string_view(kPseudonyms[random.Uniform(kPseudonyms.size())]),
          std::string_view(v == 0 ? "app" : "loyalty_scan"), optin::store::Blob{random.Bytes(32)},
          started, started + 4 * 3600,
          started + 1800 + static_cast<int64_t>(random.Uniform(3600))));
      ++rows;
    }
    for (const char* purpose : kPurposes) {
      PROBE_TRY(conn.Execute(
          "INSERT INTO consents(subject_id, purpose, granted, policy_version, changed_at, "
          "expires_at) VALUES (?, ?, 1, '1', ?, ?)",
          subject, std::string_view(purpose), since, since + 365 * kDay));
      ++rows;
      const std::string detail =
          std::string(R"({"purpose":")") + purpose +
          R"(","state":"granted","policy_version":"1","method":"app check-in"})";
      ++seq;
      const std::string hash =
          optin::privacy::AuditLog::EntryHash(prev, seq, since, "consent.changed", detail);
      PROBE_TRY(conn.Execute(
          "INSERT INTO audit_log(seq, at, kind, detail, prev_hash, hash, subject_id) "
          "VALUES (?, ?, 'consent.changed', ?, ?, ?, ?)",
          seq, since, detail, optin::store::Blob{prev}, optin::store::Blob{hash}, subject));
      prev = hash;
      ++rows;
    }
    const std::string receipt_id = optin::platform::HexEncode(random.Bytes(16));
    PROBE_TRY(conn.Execute(
        "INSERT INTO receipts(id, subject_id, issued_at, jws) VALUES (?, ?, ?, ?)", receipt_id,
        subject, since, optin::platform::Base64UrlEncode(random.Bytes(kReceiptBytes * 3 / 4))));
    ++rows;
  }
  PROBE_TRY(conn.Exec("COMMIT"));
  opened->reset();  // the last connection: SQLite checkpoints the WAL into the file
  std::error_code ec;
  const auto bytes = fs::file_size(it_db->second, ec);
  std::printf("{\"populated_rows\":%lld,\"subjects\":%lld,\"seconds\":%.1f,\"db_bytes\":%llu}\n",
              static_cast<long long>(rows), static_cast<long long>(subjects),
              Ms(Clock::now() - t0) / 1000, static_cast<unsigned long long>(ec ? 0 : bytes));
  return 0;
}

int Rows(const std::map<std::string, std::string>& flags) {
  auto it_db = flags.find("db");
  if (it_db == flags.end()) Usage("rows needs --db");
  auto opened = optin::store::Connection::Open(it_db->second, optin::store::OpenMode::kReadOnly);
  if (!opened) {
    std::fprintf(stderr, "footprint_probe: %s\n", opened.error().message.c_str());
    return 1;
  }
  auto& conn = **opened;
  std::vector<std::string> tables;
  {
    auto stmt = conn.Prepare(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name");
    PROBE_TRY(stmt);
    for (;;) {
      auto row = stmt->Step();
      PROBE_TRY(row);
      if (!*row) break;
      tables.push_back(stmt->ColumnText(0));
    }
  }
  int64_t total = 0;
  std::string out = "{";
  for (const auto& t : tables) {
    auto stmt = conn.Prepare("SELECT count(*) FROM \"" + t + "\"");
    PROBE_TRY(stmt);
    auto row = stmt->Step();
    PROBE_TRY(row);
    const int64_t n = stmt->ColumnInt(0);
    total += n;
    out += "\"" + t + "\":" + std::to_string(n) + ",";
  }
  out += "\"all_rows\":" + std::to_string(total) + "}";
  std::printf("%s\n", out.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) Usage("which command?");
  const std::string cmd = argv[1];
  auto flags = ParseFlags(argc, argv, 2);
  if (cmd == "start") return Start(flags);
  if (cmd == "populate") return Populate(flags);
  if (cmd == "rows") return Rows(flags);
  Usage("unknown command '" + cmd + "'");
}
