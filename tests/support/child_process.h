// Runs a program (openssl, curl, optin-hq) for tests and benchmarks and never leaves it behind:
// the child dies with the calling process (PR_SET_PDEATHSIG) and the destructor kills and reaps
// it. Also helpers that find a free TCP port and wait for one to accept connections. Not
// thread-safe; one per test.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace optin::testing {

class ChildProcess {
 public:
  // Starts `argv` (argv[0] looked up in PATH) in `cwd`. Output (stdout and stderr together)
  // goes to a pipe read by Wait(), or to `output_file` when given (for long-running servers).
  ChildProcess(const std::vector<std::string>& argv, const std::string& cwd = {},
               const std::string& output_file = {}) {
    std::vector<char*> args;
    for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    int in_pipe[2];
    int out_pipe[2];
    if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0) return;
    int out_fd = -1;
    if (!output_file.empty()) {
      out_fd = open(output_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    }
    pid_t parent = getpid();
    pid_ = fork();
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(127);
      dup2(in_pipe[0], 0);
      int target = out_fd >= 0 ? out_fd : out_pipe[1];
      dup2(target, 1);
      dup2(target, 2);
      if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(127);
      execvp(args[0], args.data());
      _exit(127);
    }
    close(in_pipe[0]);
    close(out_pipe[1]);
    if (out_fd >= 0) close(out_fd);
    stdin_ = in_pipe[1];
    stdout_ = out_pipe[0];
  }

  ~ChildProcess() {
    CloseStdin();
    if (stdout_ >= 0) close(stdout_);
    if (pid_ > 0 && !reaped_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool started() const { return pid_ > 0; }

  void WriteStdin(std::string_view data) {
    if (stdin_ < 0) return;
    signal(SIGPIPE, SIG_IGN);
    while (!data.empty()) {
      ssize_t n = write(stdin_, data.data(), data.size());
      if (n <= 0) return;
      data.remove_prefix(static_cast<size_t>(n));
    }
  }

  void CloseStdin() {
    if (stdin_ >= 0) close(stdin_);
    stdin_ = -1;
  }

  // Collects output until the child exits; kills it at the deadline. Returns the exit status,
  // or -1 when it had to be killed.
  int Wait(std::chrono::milliseconds deadline, std::string* output = nullptr) {
    auto until = std::chrono::steady_clock::now() + deadline;
    std::string collected;
    bool eof = stdout_ < 0;
    while (!eof) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd fd{stdout_, POLLIN, 0};
      if (poll(&fd, 1, static_cast<int>(left.count())) <= 0) continue;
      char chunk[4096];
      ssize_t n = read(stdout_, chunk, sizeof chunk);
      if (n <= 0) {
        eof = true;
      } else {
        collected.append(chunk, static_cast<size_t>(n));
      }
    }
    if (output != nullptr) *output = collected;
    int status = 0;
    while (true) {
      pid_t r = waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        reaped_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      if (std::chrono::steady_clock::now() >= until) break;
      std::this_thread::yield();  // output closed: the exit is imminent
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    reaped_ = true;
    return -1;
  }

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  int stdout_ = -1;
  bool reaped_ = false;
};

// Polls connect() to 127.0.0.1:port until it succeeds or the deadline passes.
inline bool WaitForPort(uint16_t port, std::chrono::milliseconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    close(fd);
    if (ok) return true;
    poll(nullptr, 0, 10);  // a short pause between attempts
  }
  return false;
}

// A port that was free a moment ago (for programs that must be told which port to use).
inline uint16_t FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t length = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length);
  close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace optin::testing
