// TLS everywhere, at the daemon level: the real optin-edged process with TLS on (its default),
// driven by clients nobody here wrote (curl and openssl s_client) and by optinctl. Every child
// process runs with a deadline and is killed with its whole process group if it overstays.
#include <gtest/gtest.h>
#include <sys/syscall.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "tests/integration/daemon_harness.h"

namespace optin::testing::tls_test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

constexpr auto kCommandTimeout = 20s;

// ---- Child processes -------------------------------------------------------------------------

// A child process in its own process group, with pipes to its stdin and from its stdout (and
// stderr, merged). The destructor kills the group and reaps the child, so that no test ever
// leaves a process running.
class Child {
 public:
  explicit Child(const std::vector<std::string>& argv) {
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      setpgid(0, 0);
      prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a crashed test
      dup2(in[0], STDIN_FILENO);
      dup2(out[1], STDOUT_FILENO);
      dup2(out[1], STDERR_FILENO);
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      execvp(args[0], args.data());
      _exit(127);
    }
    if (pid_ > 0) setpgid(pid_, pid_);  // either side may win the race; both set the same
    close(in[0]);
    close(out[1]);
    stdin_ = in[1];
    stdout_ = out[0];
    pidfd_ = pid_ > 0 ? static_cast<int>(syscall(SYS_pidfd_open, pid_, 0)) : -1;
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    if (pid_ > 0 && exit_code_ == kRunning) {
      kill(-pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    for (int fd : {stdin_, stdout_, pidfd_}) {
      if (fd >= 0) close(fd);
    }
  }

  bool started() const { return pid_ > 0 && pidfd_ >= 0; }

  bool Write(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = write(stdin_, data.data(), data.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  void CloseStdin() {
    if (stdin_ >= 0) close(stdin_);
    stdin_ = -1;
  }

  // Reads output until `done(output so far)` is true, the output ends, or the deadline.
  // Returns whether `done` became true.
  template <typename Pred>
  bool ReadUntil(Pred done, SteadyClock::time_point deadline) {
    while (!done(out_)) {
      if (stdout_ < 0) return false;
      auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
      if (left <= 0ms) return false;
      pollfd p{stdout_, POLLIN, 0};
      int r = poll(&p, 1, static_cast<int>(left.count()));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return false;
      char buf[8192];
      ssize_t n = read(stdout_, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        close(stdout_);
        stdout_ = -1;
        return done(out_);
      }
      out_.append(buf, static_cast<size_t>(n));
    }
    return true;
  }

  // Reads everything, then waits for the exit; kills the group at the deadline. Returns the
  // exit code, or nullopt if the child had to be killed (or died of a signal).
  std::optional<int> Finish(SteadyClock::time_point deadline) {
    ReadUntil([](const std::string&) { return false; }, deadline);
    if (exit_code_ == kRunning) {
      auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
      pollfd p{pidfd_, POLLIN, 0};
      if (left <= 0ms || poll(&p, 1, static_cast<int>(left.count())) <= 0) {
        kill(-pid_, SIGKILL);
      }
      int status = 0;
      waitpid(pid_, &status, 0);
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : kKilled;
    }
    if (exit_code_ == kKilled) return std::nullopt;
    return exit_code_;
  }

  const std::string& output() const { return out_; }
  void ConsumeOutput(size_t n) { out_.erase(0, n); }

 private:
  static constexpr int kRunning = -2;
  static constexpr int kKilled = -1;
  pid_t pid_ = -1;
  int pidfd_ = -1;
  int stdin_ = -1;
  int stdout_ = -1;
  int exit_code_ = kRunning;
  std::string out_;
};

struct Ran {
  std::optional<int> exit_code;  // nullopt: killed at the deadline
  std::string out;               // stdout and stderr
  bool ok() const { return exit_code == 0; }
};

// Runs argv (no shell) with `input` on stdin then end of file, within kCommandTimeout.
Ran RunProcess(const std::vector<std::string>& argv, const std::string& input = "") {
  Child child(argv);
  if (!child.started()) return {};
  child.Write(input);
  child.CloseStdin();
  Ran r;
  r.exit_code = child.Finish(SteadyClock::now() + kCommandTimeout);
  r.out = child.output();
  return r;
}

std::string Describe(const std::vector<std::string>& argv, const Ran& r) {
  std::string s;
  for (const auto& a : argv) s += a + " ";
  return s + "\n-> exit " + (r.exit_code ? std::to_string(*r.exit_code) : "killed") + "\n" + r.out;
}

// Runs the openssl CLI and fails the test if it fails.
void OpenSsl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  Ran r = RunProcess(argv);
  ASSERT_TRUE(r.ok()) << Describe(argv, r);
}

// ---- curl ------------------------------------------------------------------------------------

struct CurlResult {
  Ran ran;
  int status = 0;  // 0 when no HTTP answer came
  std::string body;
};

// curl -sS with the given options (--cacert, --cert, -X ...) and URL; never reuses anything.
CurlResult Curl(std::vector<std::string> options, const std::string& url) {
  std::vector<std::string> argv = {"curl", "-sS", "--max-time", "10",
                                   "-o",   "-",   "-w",         "\n%{http_code}"};
  argv.insert(argv.end(), options.begin(), options.end());
  argv.push_back(url);
  CurlResult c;
  c.ran = RunProcess(argv);
  size_t nl = c.ran.out.rfind('\n');
  if (nl != std::string::npos) {
    c.body = c.ran.out.substr(0, nl);
    try {
      c.status = std::stoi(c.ran.out.substr(nl + 1));
    } catch (const std::exception&) {
      c.status = 0;
    }
  }
  return c;
}

std::string Url(uint16_t port, const std::string& path, const std::string& host = "localhost") {
  return "https://" + host + ":" + std::to_string(port) + path;
}

// ---- raw sockets -----------------------------------------------------------------------------

struct Drained {
  bool closed = false;  // the peer closed (read returned 0) or reset the connection
  std::string data;     // whatever came before that
};
// Reads until the peer closes or the deadline passes.
Drained DrainUntilClosed(int fd, SteadyClock::time_point deadline) {
  Drained d;
  while (true) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    if (left <= 0ms) return d;
    pollfd p{fd, POLLIN, 0};
    int r = poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return d;
    char buf[4096];
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      d.closed = n == 0 || errno == ECONNRESET;
      return d;
    }
    d.data.append(buf, static_cast<size_t>(n));
  }
}

// ---- certificates made with the openssl CLI --------------------------------------------------

struct Pki {
  fs::path key, cert;
};

// A P-256 CA certificate valid from now for a year.
void MakeCa(const fs::path& dir, const std::string& name, Pki& out) {
  std::string stem = name;
  std::replace(stem.begin(), stem.end(), ' ', '-');
  out = {dir / (stem + ".key"), dir / (stem + ".crt")};
  OpenSsl({"ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", out.key.string()});
  OpenSsl({"req", "-x509", "-new", "-key", out.key.string(), "-subj", "/CN=" + name, "-days", "365",
           "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
           "keyUsage=critical,keyCertSign,cRLSign", "-out", out.cert.string()});
}

void WriteFile(const fs::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
}

// Signs `csr` with `ca` (openssl x509 -req -extfile), valid for 30 days.
void SignCsr(const fs::path& dir, const Pki& ca, const fs::path& csr, const std::string& ext,
             const fs::path& out_cert) {
  const fs::path ext_file = dir / (out_cert.filename().string() + ".ext");
  WriteFile(ext_file, ext);
  OpenSsl({"x509", "-req", "-in", csr.string(), "-CA", ca.cert.string(), "-CAkey", ca.key.string(),
           "-CAcreateserial", "-days", "30", "-sha256", "-extfile", ext_file.string(), "-out",
           out_cert.string()});
}

constexpr const char* kClientExt =
    "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
    "extendedKeyUsage=clientAuth\n";
constexpr const char* kServerExt =
    "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
    "extendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n";

// A client key and CSR named `name`.
void MakeClientRequest(const fs::path& dir, const std::string& name, fs::path& key, fs::path& csr) {
  key = dir / (name + ".key");
  csr = dir / (name + ".csr");
  OpenSsl({"ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key.string()});
  OpenSsl({"req", "-new", "-key", key.string(), "-subj", "/CN=" + name, "-out", csr.string()});
}

// A client certificate issued by `ca` that expired in 2020 (openssl ca sets explicit dates).
void SignExpired(const fs::path& dir, const Pki& ca, const fs::path& csr, const fs::path& out) {
  const fs::path db = dir / "ca-db";
  fs::create_directories(db);
  WriteFile(db / "index.txt", "");
  WriteFile(db / "serial", "1000\n");
  WriteFile(dir / "expired-ext.cnf", kClientExt);
  WriteFile(dir / "ca.cnf",
            "[ca]\ndefault_ca = test_ca\n[test_ca]\ndatabase = " + (db / "index.txt").string() +
                "\nnew_certs_dir = " + db.string() + "\nserial = " + (db / "serial").string() +
                "\ndefault_md = sha256\npolicy = any\nunique_subject = no\n"
                "[any]\ncommonName = supplied\n");
  OpenSsl({"ca", "-batch", "-config", (dir / "ca.cnf").string(), "-cert", ca.cert.string(),
           "-keyfile", ca.key.string(), "-in", csr.string(), "-startdate", "20200101000000Z",
           "-enddate", "20200102000000Z", "-extfile", (dir / "expired-ext.cnf").string(), "-notext",
           "-out", out.string()});
}

// ---- the daemon with TLS ---------------------------------------------------------------------

struct TlsDaemonOptions {
  std::string admin_client_ca;
  int handshake_timeout_ms = 0;  // 0: the default
};

class TlsTest : public ::testing::Test {
 protected:
  // Writes our own config (TLS on as by default, admin port 0) and starts the daemon with it.
  void StartDaemon(const TlsDaemonOptions& o = {}) {
    const fs::path config = dir_ / "optin-edge.toml";
    std::string text = "[listen]\nplain_http = false\nthreads = 2\n[admin]\nport = 0\n";
    if (!o.admin_client_ca.empty()) text += "client_ca = \"" + o.admin_client_ca + "\"\n";
    if (o.handshake_timeout_ms > 0) {
      text += "[tls]\nhandshake_timeout_ms = " + std::to_string(o.handshake_timeout_ms) + "\n";
    }
    WriteFile(config, text);
    fs::create_directories(data());
    daemon_ =
        std::make_unique<Daemon>(data(), std::vector<std::string>{"--config", config.string()});
    daemon_->Ctl("token init-dev");
    ASSERT_TRUE(daemon_->Start()) << ReadWholeFile(daemon_->log_file());
    ASSERT_TRUE(fs::exists(self_signed())) << "no self-signed certificate after start";
  }

  fs::path data() const { return dir_ / "data"; }
  fs::path self_signed() const { return data() / "tls" / "self-signed.crt"; }
  std::string Log() const { return ReadWholeFile(daemon_->log_file()); }

  // Log lines whose event starts with `prefix`.
  std::vector<std::string> LogLines(const std::string& prefix) const {
    std::vector<std::string> lines;
    std::istringstream in(Log());
    for (std::string line; std::getline(in, line);) {
      if (line.find("\"event\":\"" + prefix) != std::string::npos) lines.push_back(line);
    }
    return lines;
  }
  // Waits (up to 10 s) until the log holds `count` lines of `event` containing `with`.
  bool WaitForLog(const std::string& event, size_t count, const std::string& with = "") {
    const auto deadline = SteadyClock::now() + 10s;
    while (SteadyClock::now() < deadline) {
      size_t n = 0;
      for (const auto& line : LogLines(event)) {
        if (with.empty() || line.find(with) != std::string::npos) ++n;
      }
      if (n >= count) return true;
      poll(nullptr, 0, 20);  // polling the log file for the daemon's line
    }
    return false;
  }

  CurlResult Healthz(const fs::path& ca) {
    return Curl({"--cacert", ca.string()}, Url(daemon_->port(), "/healthz"));
  }

  // openssl s_client -brief against the public listener with the given extra options.
  Ran SClient(const std::vector<std::string>& extra, uint16_t port = 0) {
    std::vector<std::string> argv = {
        "openssl", "s_client", "-brief", "-connect",
        "127.0.0.1:" + std::to_string(port != 0 ? port : daemon_->port())};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return RunProcess(argv);
  }

  TempDir dir_;
  std::unique_ptr<Daemon> daemon_;
};

bool HandshakeSucceeded(const Ran& r) {
  return r.ok() && r.out.find("CONNECTION ESTABLISHED") != std::string::npos;
}

// One HTTP/1.1 response (with Content-Length) at the front of `out`, or nullopt if incomplete.
struct ParsedResponse {
  int status = 0;
  std::string headers, body;
  size_t size = 0;
};
std::optional<ParsedResponse> ParseResponse(const std::string& out) {
  size_t start = out.find("HTTP/1.1 ");
  if (start == std::string::npos) return std::nullopt;
  size_t head_end = out.find("\r\n\r\n", start);
  if (head_end == std::string::npos) return std::nullopt;
  ParsedResponse r;
  r.headers = out.substr(start, head_end - start);
  std::string lower = r.headers;
  for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  size_t cl = lower.find("content-length:");
  size_t length = cl == std::string::npos ? 0 : std::stoul(r.headers.substr(cl + 15));
  if (out.size() < head_end + 4 + length) return std::nullopt;
  r.status = std::stoi(r.headers.substr(9, 3));
  r.body = out.substr(head_end + 4, length);
  r.size = head_end + 4 + length;
  return r;
}

// Sends one keep-alive request through an `openssl s_client -quiet` child and reads the answer.
std::optional<ParsedResponse> RequestThrough(Child& client, const std::string& target) {
  if (!client.Write("GET " + target + " HTTP/1.1\r\nHost: localhost\r\n\r\n")) return std::nullopt;
  bool got = client.ReadUntil([](const std::string& out) { return ParseResponse(out).has_value(); },
                              SteadyClock::now() + 10s);
  if (!got) return std::nullopt;
  auto r = ParseResponse(client.output());
  client.ConsumeOutput(client.output().find("HTTP/1.1 ") + r->size);
  return r;
}

// ---- the tests -------------------------------------------------------------------------------

TEST_F(TlsTest, PublicListenerSpeaksTlsByDefault) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon());
  EXPECT_NE(Log().find("\"tls\":true"), std::string::npos) << Log();

  // curl checks the chain and the name "localhost" against the self-signed certificate.
  auto health = Healthz(self_signed());
  EXPECT_EQ(health.status, 200) << Describe({"curl"}, health.ran);
  // ...and the address 127.0.0.1, also named in it.
  auto by_ip =
      Curl({"--cacert", self_signed().string()}, Url(daemon_->port(), "/healthz", "127.0.0.1"));
  EXPECT_EQ(by_ip.status, 200) << Describe({"curl"}, by_ip.ran);

  Ran brief = SClient({"-CAfile", self_signed().string(), "-verify_return_error"});
  ASSERT_TRUE(HandshakeSucceeded(brief)) << brief.out;
  EXPECT_NE(brief.out.find("Protocol version: TLSv1.2"), std::string::npos) << brief.out;
  EXPECT_TRUE(std::regex_search(
      brief.out,
      std::regex("Ciphersuite: ECDHE-ECDSA-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)")))
      << brief.out;
  EXPECT_NE(brief.out.find("Verification: OK"), std::string::npos) << brief.out;

  // Plain HTTP on the TLS port gets no HTTP answer, and the connection is closed.
  int fd = ConnectLoopback(daemon_->port());
  ASSERT_GE(fd, 0);
  const std::string plain = "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n";
  ASSERT_EQ(send(fd, plain.data(), plain.size(), MSG_NOSIGNAL), static_cast<ssize_t>(plain.size()));
  Drained answer = DrainUntilClosed(fd, SteadyClock::now() + 10s);
  close(fd);
  EXPECT_TRUE(answer.closed);
  EXPECT_EQ(answer.data.find("HTTP/"), std::string::npos) << answer.data;
  EXPECT_EQ(answer.data.find("healthz"), std::string::npos) << answer.data;

  // The daemon still serves TLS after the garbage.
  EXPECT_EQ(Healthz(self_signed()).status, 200);
}

TEST_F(TlsTest, OldProtocolsAndCbcSuitesAreRefused) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon());
  // SECLEVEL=0 lets the client offer what it is asked to, so a refusal is the server's.
  // The control: the same client set-up succeeds with a suite the server accepts.
  Ran control = SClient({"-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256:@SECLEVEL=0"});
  ASSERT_TRUE(HandshakeSucceeded(control)) << control.out;

  for (const char* old : {"-tls1", "-tls1_1"}) {
    Ran r = SClient({old, "-cipher", "DEFAULT:@SECLEVEL=0"});
    EXPECT_FALSE(HandshakeSucceeded(r)) << old << "\n" << r.out;
    EXPECT_EQ(r.out.find("Protocol version: TLSv1"), std::string::npos) << r.out;
    // The alert came from the server.
    EXPECT_NE(r.out.find("alert protocol version"), std::string::npos) << r.out;
  }
  for (const char* cbc : {"ECDHE-ECDSA-AES128-SHA256", "ECDHE-ECDSA-AES128-SHA",
                          "ECDHE-ECDSA-AES256-SHA384", "ECDHE-ECDSA-AES256-SHA"}) {
    Ran r = SClient({"-tls1_2", "-cipher", std::string(cbc) + ":@SECLEVEL=0"});
    EXPECT_FALSE(HandshakeSucceeded(r)) << cbc << "\n" << r.out;
    EXPECT_NE(r.out.find("alert handshake failure"), std::string::npos) << cbc << "\n" << r.out;
  }
  // Nothing but ECDHE key exchange either (static RSA cannot work with an EC key anyway).
  Ran no_ecdhe = SClient({"-tls1_2", "-cipher", "AES128-GCM-SHA256:@SECLEVEL=0"});
  EXPECT_FALSE(HandshakeSucceeded(no_ecdhe)) << no_ecdhe.out;
  EXPECT_EQ(Healthz(self_signed()).status, 200);
}

TEST_F(TlsTest, AdminListenerIsLoopbackTlsAndRequiresClientCertificatesWhenConfigured) {
  const fs::path pki = dir_ / "pki";
  fs::create_directories(pki);
  Pki admin_ca, rogue_ca;
  ASSERT_NO_FATAL_FAILURE(MakeCa(pki, "optin-edge test admin CA", admin_ca));
  ASSERT_NO_FATAL_FAILURE(MakeCa(pki, "rogue CA", rogue_ca));
  fs::path key, csr, rogue_key, rogue_csr, old_key, old_csr;
  ASSERT_NO_FATAL_FAILURE(MakeClientRequest(pki, "installer", key, csr));
  ASSERT_NO_FATAL_FAILURE(MakeClientRequest(pki, "intruder", rogue_key, rogue_csr));
  ASSERT_NO_FATAL_FAILURE(MakeClientRequest(pki, "former-installer", old_key, old_csr));
  const fs::path good = pki / "installer.crt", rogue = pki / "intruder.crt",
                 expired = pki / "former-installer.crt";
  ASSERT_NO_FATAL_FAILURE(SignCsr(pki, admin_ca, csr, kClientExt, good));
  ASSERT_NO_FATAL_FAILURE(SignCsr(pki, rogue_ca, rogue_csr, kClientExt, rogue));
  ASSERT_NO_FATAL_FAILURE(SignExpired(pki, admin_ca, old_csr, expired));

  ASSERT_NO_FATAL_FAILURE(StartDaemon({.admin_client_ca = admin_ca.cert.string()}));
  ASSERT_NE(daemon_->admin_port(), 0);
  EXPECT_NE(Log().find("\"admin_client_certificates\":true"), std::string::npos);
  EXPECT_NE(Log().find("\"admin_address\":\"127.0.0.1\""), std::string::npos);

  const std::string ready = Url(daemon_->admin_port(), "/readyz", "127.0.0.1");
  const std::string trust = self_signed().string();
  auto with = [&](const fs::path& cert, const fs::path& k) {
    return Curl({"--cacert", trust, "--cert", cert.string(), "--key", k.string()}, ready);
  };

  auto none = Curl({"--cacert", trust}, ready);
  EXPECT_EQ(none.status, 0) << "no client certificate: " << none.ran.out;
  EXPECT_FALSE(none.ran.ok());
  auto untrusted = with(rogue, rogue_key);
  EXPECT_EQ(untrusted.status, 0) << "untrusted client certificate: " << untrusted.ran.out;
  auto old = with(expired, old_key);
  EXPECT_EQ(old.status, 0) << "expired client certificate: " << old.ran.out;

  auto trusted = with(good, key);
  ASSERT_EQ(trusted.status, 200) << Describe({"curl"}, trusted.ran);
  EXPECT_TRUE(trusted.body.find("database_writable") != std::string::npos) << trusted.body;

  // The admin listener is TLS, not plain HTTP, and it is not on the public port.
  EXPECT_NE(daemon_->admin_port(), daemon_->port());
  int fd = ConnectLoopback(daemon_->admin_port());
  ASSERT_GE(fd, 0);
  const std::string plain = "GET /readyz HTTP/1.1\r\nHost: localhost\r\n\r\n";
  send(fd, plain.data(), plain.size(), MSG_NOSIGNAL);
  Drained answer = DrainUntilClosed(fd, SteadyClock::now() + 10s);
  close(fd);
  EXPECT_EQ(answer.data.find("HTTP/"), std::string::npos) << answer.data;
  // The public listener does not ask shoppers for certificates.
  EXPECT_EQ(Healthz(self_signed()).status, 200);
}

TEST_F(TlsTest, AdminListenerWithoutClientCaIsTlsOnLoopback) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon());
  auto ready = Curl({"--cacert", self_signed().string()},
                    Url(daemon_->admin_port(), "/readyz", "127.0.0.1"));
  EXPECT_EQ(ready.status, 200) << Describe({"curl"}, ready.ran);
  // Only on the loopback address.
  EXPECT_NE(Log().find("\"admin_address\":\"127.0.0.1\""), std::string::npos);
}

TEST_F(TlsTest, ProvisionedCertificateIsUsedAfterReloadWithoutDroppingConnections) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon());
  const fs::path pki = dir_ / "pki";
  fs::create_directories(pki);
  Pki hq_ca;
  ASSERT_NO_FATAL_FAILURE(MakeCa(pki, "optin-edge test HQ CA", hq_ca));

  // A keep-alive connection opened before provisioning, trusting only the self-signed cert.
  auto old_conn = std::make_unique<Child>(std::vector<std::string>{
      "openssl", "s_client", "-quiet", "-connect", "127.0.0.1:" + std::to_string(daemon_->port()),
      "-CAfile", self_signed().string(), "-verify_return_error"});
  ASSERT_TRUE(old_conn->started());
  auto first = RequestThrough(*old_conn, "/healthz");
  ASSERT_TRUE(first.has_value()) << old_conn->output();
  EXPECT_EQ(first->status, 200);

  // The installer's steps, with the test CA standing in for HQ's.
  daemon_->Ctl("provision request --store-id store-0042 --host-name localhost");
  const fs::path csr = data() / "tls" / "device.csr";
  ASSERT_TRUE(fs::exists(csr));
  const fs::path issued = pki / "device.crt";
  ASSERT_NO_FATAL_FAILURE(SignCsr(pki, hq_ca, csr, kServerExt, issued));
  daemon_->Ctl("provision install --cert " + issued.string() + " --ca " + hq_ca.cert.string());
  // Not in use until the reload.
  EXPECT_EQ(Healthz(self_signed()).status, 200);
  EXPECT_NE(Healthz(hq_ca.cert).status, 200);
  daemon_->Ctl("reload");
  ASSERT_TRUE(WaitForLog("service.reloaded", 1, "\"provisioned\":true")) << Log();

  // The old connection was not dropped: it answers a second request.
  auto second = RequestThrough(*old_conn, "/healthz");
  ASSERT_TRUE(second.has_value()) << "the connection opened before the reload was dropped\n"
                                  << old_conn->output();
  EXPECT_EQ(second->status, 200);
  auto store_on_old = RequestThrough(*old_conn, "/v1/store");
  ASSERT_TRUE(store_on_old.has_value());
  EXPECT_EQ(store_on_old->status, 200);

  // A new connection gets the HQ-issued certificate, and no longer the self-signed one.
  auto hq = Healthz(hq_ca.cert);
  EXPECT_EQ(hq.status, 200) << Describe({"curl"}, hq.ran);
  EXPECT_EQ(Healthz(self_signed()).status, 0);
  Ran shown =
      RunProcess({"openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(daemon_->port()),
                  "-CAfile", hq_ca.cert.string(), "-verify_return_error"});
  EXPECT_TRUE(shown.ok()) << shown.out;
  EXPECT_NE(shown.out.find("i:CN = optin-edge test HQ CA"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("s:CN = store-0042"), std::string::npos) << shown.out;
  // The admin listener presents it too.
  auto admin =
      Curl({"--cacert", hq_ca.cert.string()}, Url(daemon_->admin_port(), "/readyz", "127.0.0.1"));
  EXPECT_EQ(admin.status, 200) << Describe({"curl"}, admin.ran);

  const std::string show = daemon_->Ctl("provision show");
  EXPECT_NE(show.find("provisioned:   yes"), std::string::npos) << show;
  EXPECT_NE(show.find("store id:      store-0042"), std::string::npos) << show;

  // The store id comes from provisioning: after a restart the store is store-0042.
  old_conn.reset();  // s_client -quiet ignores end of input: the destructor ends it
  ASSERT_EQ(daemon_->Stop(), 0);
  ASSERT_TRUE(daemon_->Start()) << Log();
  auto store = Curl({"--cacert", hq_ca.cert.string()}, Url(daemon_->port(), "/v1/store"));
  ASSERT_EQ(store.status, 200) << Describe({"curl"}, store.ran);
  boost::system::error_code ec;
  auto json = boost::json::parse(store.body, ec);
  ASSERT_FALSE(ec) << store.body;
  EXPECT_EQ(json.at("store_id").as_string(), "store-0042") << store.body;
}

TEST_F(TlsTest, ReloadWithBrokenCertificateKeepsServing) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon());
  const fs::path tls = data() / "tls";
  const std::string original = ReadWholeFile(self_signed());

  // A device.crt that is not a certificate: the identity falls back to the self-signed one,
  // says why in the log, and the daemon keeps serving.
  WriteFile(tls / "device.crt",
            "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n"
            "-----END CERTIFICATE-----\n");
  daemon_->Ctl("reload");
  ASSERT_TRUE(WaitForLog("service.reloaded", 1, "\"provisioned\":false")) << Log();
  EXPECT_EQ(LogLines("tls.device_certificate_unusable").size(), 1u) << Log();
  EXPECT_EQ(Healthz(self_signed()).status, 200);
  EXPECT_EQ(ReadWholeFile(self_signed()), original);

  // The same through the admin listener's reload route.
  auto reload = Curl({"--cacert", self_signed().string(), "-X", "POST"},
                     Url(daemon_->admin_port(), "/v1/admin/reload", "127.0.0.1"));
  EXPECT_EQ(reload.status, 200) << reload.body;
  EXPECT_NE(reload.body.find("\"provisioned\":false"), std::string::npos) << reload.body;
  EXPECT_EQ(LogLines("tls.device_certificate_unusable").size(), 2u) << Log();

  // A device key that is not a key: the reload fails, the running configuration stays.
  const std::string key = ReadWholeFile(tls / "device.key");
  WriteFile(tls / "device.key",
            "-----BEGIN EC PRIVATE KEY-----\nZ2FyYmFnZQ==\n"
            "-----END EC PRIVATE KEY-----\n");
  daemon_->Ctl("reload");
  ASSERT_TRUE(WaitForLog("service.reload_failed", 1)) << Log();
  EXPECT_EQ(Healthz(self_signed()).status, 200);
  auto refused = Curl({"--cacert", self_signed().string(), "-X", "POST"},
                      Url(daemon_->admin_port(), "/v1/admin/reload", "127.0.0.1"));
  EXPECT_GE(refused.status, 400) << refused.body;
  EXPECT_NE(refused.body.find("problem"), std::string::npos) << refused.body;
  EXPECT_EQ(Healthz(self_signed()).status, 200);
  // The bad key was neither replaced nor used.
  EXPECT_NE(ReadWholeFile(tls / "device.key"), key);

  // An HQ token key that is not a key fails the reload too, and app tokens still verify.
  WriteFile(tls / "device.key", key);
  fs::permissions(tls / "device.key", fs::perms::owner_read | fs::perms::owner_write);
  const fs::path hq_key = data() / "keys" / "hq-token.pub";
  const std::string hq = ReadWholeFile(hq_key);
  WriteFile(hq_key, "not a key\n");
  daemon_->Ctl("reload");
  ASSERT_TRUE(WaitForLog("service.reload_failed", 2)) << Log();
  auto ready = Curl({"--cacert", self_signed().string()},
                    Url(daemon_->admin_port(), "/readyz", "127.0.0.1"));
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_NE(ready.body.find("\"hq_token_key_provisioned\":true"), std::string::npos) << ready.body;
  EXPECT_EQ(daemon_->Stop(), 0);
}

TEST_F(TlsTest, HandshakeStallIsClosedAndDoesNotBlockOthers) {
  ASSERT_NO_FATAL_FAILURE(StartDaemon({.admin_client_ca = "", .handshake_timeout_ms = 500}));
  // Several silent connections: each is closed after the handshake timeout, and meanwhile a
  // real client is served.
  std::vector<int> stalled;
  const auto opened = SteadyClock::now();
  for (int i = 0; i < 4; ++i) {
    int fd = ConnectLoopback(daemon_->port());
    ASSERT_GE(fd, 0);
    stalled.push_back(fd);
  }
  auto health = Healthz(self_signed());
  EXPECT_EQ(health.status, 200) << Describe({"curl"}, health.ran);
  for (int fd : stalled) {
    Drained d = DrainUntilClosed(fd, opened + 3s);
    const auto after = SteadyClock::now() - opened;
    close(fd);
    EXPECT_TRUE(d.closed)
        << "a silent connection was still open after 3 s (timeout 500 ms; the default is 5 s)";
    EXPECT_TRUE(d.data.empty());
    EXPECT_GE(after, 400ms) << "closed before the handshake timeout";
  }
  EXPECT_EQ(Healthz(self_signed()).status, 200);
}

TEST_F(TlsTest, NothingPersonalInTlsLogs) {
  const fs::path pki = dir_ / "pki";
  fs::create_directories(pki);
  Pki admin_ca;
  ASSERT_NO_FATAL_FAILURE(MakeCa(pki, "admin CA", admin_ca));
  ASSERT_NO_FATAL_FAILURE(
      StartDaemon({.admin_client_ca = admin_ca.cert.string(), .handshake_timeout_ms = 500}));

  // Failures of every kind, each the first of its listener or kind.
  int fd = ConnectLoopback(daemon_->port());
  ASSERT_GE(fd, 0);
  send(fd, "GET / HTTP/1.1\r\n\r\n", 18, MSG_NOSIGNAL);
  DrainUntilClosed(fd, SteadyClock::now() + 10s);
  close(fd);
  SClient({"-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0"});
  Curl({"--cacert", self_signed().string()}, Url(daemon_->admin_port(), "/readyz", "127.0.0.1"));
  Curl({}, Url(daemon_->port(), "/healthz"));  // the client refuses the certificate
  fd = ConnectLoopback(daemon_->port());
  ASSERT_GE(fd, 0);
  DrainUntilClosed(fd, SteadyClock::now() + 10s);  // a stall, closed by the timeout
  close(fd);
  ASSERT_TRUE(WaitForLog("tls.", 2)) << Log();

  const auto lines = LogLines("tls.");
  for (const auto& line : lines) {
    EXPECT_EQ(line.find("127.0.0.1"), std::string::npos) << line;
    EXPECT_EQ(line.find("::1"), std::string::npos) << line;
    EXPECT_EQ(line.find("localhost"), std::string::npos) << line;
    EXPECT_TRUE(std::regex_search(line, std::regex("\"event\":\"tls\\.[a-z_.]+\""))) << line;
  }
  // Nor anywhere else in the log after the start-up lines (which name the listen address).
  std::istringstream in(Log());
  for (std::string line; std::getline(in, line);) {
    if (line.find("service.listening") != std::string::npos ||
        line.find("http_listening") != std::string::npos) {
      continue;
    }
    EXPECT_EQ(line.find("127.0.0.1"), std::string::npos) << line;
  }
}

}  // namespace
}  // namespace optin::testing::tls_test
