#include "drivers/device_scanner.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "platform/log.h"

namespace optin::drivers {
namespace {

namespace log = platform::log;

// How often an idle session checks that the device is still there.
constexpr std::chrono::milliseconds kPresenceCheck{200};
// Refusals and rate-limit drops are logged at most once per interval per scanner.
constexpr std::chrono::seconds kLogInterval{1};

}  // namespace

DeviceScanner::DeviceScanner(ScannerConfig config, platform::FileSystem& fs,
                             const platform::Clock& clock)
    : config_(std::move(config)), fs_(fs), clock_(clock), bucket_(config_.max_scans_per_second) {}

DeviceScanner::~DeviceScanner() { Stop(); }

Status DeviceScanner::Start(ScanCallback on_scan, StateCallback on_state) {
  std::lock_guard lock(mu_);
  if (started_) {
    return Fail(ErrorCode::kFailedPrecondition,
                "scanner '" + config_.name + "' was already started", {}, "already-started");
  }
  const int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0) return std::unexpected(platform::ErrnoError(errno, "eventfd", config_.device));
  stop_fd_ = fd;
  started_ = true;
  stopping_ = false;
  on_scan_ = std::move(on_scan);
  on_state_ = std::move(on_state);
  thread_ = std::thread([this] { Run(); });
  return Ok();
}

void DeviceScanner::Stop() {
  {
    std::lock_guard lock(mu_);
    if (!started_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (stop_fd_ >= 0) {
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(stop_fd_, &one, sizeof one);
  }
  // Stop() from a callback would join its own thread: the thread then ends by itself.
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) {
    thread_.join();
    ::close(stop_fd_);
    stop_fd_ = -1;
  }
}

ScannerStats DeviceScanner::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

bool DeviceScanner::stopping() const {
  std::lock_guard lock(mu_);
  return stopping_;
}

bool DeviceScanner::WaitUnlessStopping(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, d, [this] { return stopping_; });
}

void DeviceScanner::SetState(ScannerState state, std::string_view detail) {
  if (state_ == state) return;
  state_ = state;
  const std::string name = config_.name;
  switch (state) {
    case ScannerState::kConnected:
      log::Info("scanner.connected", {{"scanner", name},
                                      {"kind", ToString(config_.kind)},
                                      {"device", config_.device.string()}});
      break;
    case ScannerState::kDisconnected: {
      std::lock_guard lock(mu_);
      ++stats_.disconnects;
    }
      log::Warn("scanner.disconnected",
                {{"scanner", name}, {"device", config_.device.string()}, {"error", detail}});
      break;
    case ScannerState::kStopped:
      log::Info("scanner.stopped", {{"scanner", name}});
      break;
  }
  if (on_state_) on_state_(state);
}

void DeviceScanner::Run() {
  std::chrono::milliseconds backoff = kFirstRetry;
  while (!stopping()) {
    auto fd = OpenDevice();
    if (!fd) {
      SetState(ScannerState::kDisconnected, fd.error().message);
      if (!WaitUnlessStopping(backoff)) break;
      backoff = std::min(backoff * 2, kMaxRetry);
      continue;
    }
    ResetDecoder();
    SetState(ScannerState::kConnected);
    std::string why;
    const SessionEnd end = ReadSession(*fd, why);
    ::close(*fd);
    if (end == SessionEnd::kStopping) break;
    if (end == SessionEnd::kReopen) continue;  // a FIFO writer went away: not a disconnection
    SetState(ScannerState::kDisconnected, why);
    // A device that comes back at once is retried quickly; one that keeps failing, slowly.
    backoff = kFirstRetry;
    if (!WaitUnlessStopping(backoff)) break;
    backoff = std::min(backoff * 2, kMaxRetry);
  }
  SetState(ScannerState::kStopped);
}

DeviceScanner::SessionEnd DeviceScanner::ReadSession(int fd, std::string& why) {
  std::array<char, 4096> buf;
  while (true) {
    const platform::MonoTime now = clock_.Monotonic();
    auto timeout = kPresenceCheck;
    if (auto d = deadline()) {
      // The clock may be a test's fake one: never wait less than 1 ms nor longer than the check.
      auto left = std::chrono::ceil<std::chrono::milliseconds>(*d - now);
      timeout = std::clamp(left, std::chrono::milliseconds(1), kPresenceCheck);
    }
    std::array<pollfd, 2> fds{{{fd, POLLIN, 0}, {stop_fd_, POLLIN, 0}}};
    const int n = ::poll(fds.data(), fds.size(), static_cast<int>(timeout.count()));
    if (n < 0) {
      if (errno == EINTR) continue;
      why = std::string("poll: ") + std::strerror(errno);
      return SessionEnd::kDeviceGone;
    }
    if (fds[1].revents != 0 || stopping()) return SessionEnd::kStopping;
    if (n == 0) {
      if (auto stale = Expire(clock_.Monotonic())) Deliver(std::move(*stale));
      if (!StillPresent(fd)) {
        why = "the device was removed";
        return SessionEnd::kDeviceGone;
      }
      continue;
    }
    if (fds[0].revents & (POLLERR | POLLNVAL)) {
      why = "the device reported an error";
      return SessionEnd::kDeviceGone;
    }
    const ssize_t got = ::read(fd, buf.data(), buf.size());
    if (got < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      why = std::string("read: ") + std::strerror(errno);
      return SessionEnd::kDeviceGone;
    }
    if (got == 0) {
      if (OnEndOfFile() == EndOfFile::kReopen) return SessionEnd::kReopen;
      why = "the device hung up";
      return SessionEnd::kDeviceGone;
    }
    for (DecodedScan& scan :
         Decode(std::string_view(buf.data(), static_cast<size_t>(got)), clock_.Monotonic())) {
      Deliver(std::move(scan));
    }
  }
}

void DeviceScanner::Deliver(DecodedScan scan) {
  const platform::MonoTime now = clock_.Monotonic();
  if (scan.refusal) {
    uint64_t total = 0;
    {
      std::lock_guard lock(mu_);
      total = ++stats_.refused;
    }
    ++refused_unlogged_;
    if (!logged_refusal_ || now - refused_logged_ >= kLogInterval) {
      // Never the content: only why, and how many.
      log::Warn("scanner.scan_refused", {{"scanner", config_.name},
                                         {"reason", ToString(*scan.refusal)},
                                         {"refused", refused_unlogged_},
                                         {"refused_total", total}});
      logged_refusal_ = true;
      refused_logged_ = now;
      refused_unlogged_ = 0;
    }
    return;
  }
  if (!bucket_.Allow(now)) {
    uint64_t total = 0;
    {
      std::lock_guard lock(mu_);
      total = ++stats_.rate_limited;
    }
    ++limited_unlogged_;
    if (!logged_limit_ || now - limited_logged_ >= kLogInterval) {
      log::Warn("scanner.rate_limited", {{"scanner", config_.name},
                                         {"max_scans_per_second", config_.max_scans_per_second},
                                         {"dropped", limited_unlogged_},
                                         {"dropped_total", total}});
      logged_limit_ = true;
      limited_logged_ = now;
      limited_unlogged_ = 0;
    }
    return;
  }
  {
    std::lock_guard lock(mu_);
    ++stats_.scans;
  }
  if (on_scan_) on_scan_(Scan{std::move(scan.text), config_.name});
}

}  // namespace optin::drivers
