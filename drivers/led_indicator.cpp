#include "drivers/led_indicator.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "platform/log.h"

namespace optin::drivers {

std::filesystem::path LedBrightnessPath(std::string_view led) {
  if (led.find('/') != std::string_view::npos) return std::filesystem::path(led);
  return std::filesystem::path("/sys/class/leds") / std::string(led) / "brightness";
}

LedIndicator::LedIndicator(LedOptions options, platform::FileSystem& fs)
    : options_(std::move(options)), fs_(fs) {
  worker_ = std::thread([this] { Run(); });
}

LedIndicator::~LedIndicator() { Stop(); }

void LedIndicator::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

LedStats LedIndicator::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void LedIndicator::Enqueue(const BlinkPattern& pattern) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    if (queue_.size() >= options_.max_queued) {
      ++stats_.dropped;
      return;
    }
    queue_.push_back(pattern);
  }
  cv_.notify_all();
}

bool LedIndicator::WaitUnlessStopping(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, d, [this] { return stopping_; });
}

void LedIndicator::Set(bool on) {
  if (fd_ < 0) {
    auto fd = fs_.OpenDevice(options_.brightness, O_WRONLY);
    if (!fd) {
      {
        std::lock_guard lock(mu_);
        ++stats_.write_errors;
      }
      if (!open_error_logged_) {
        platform::log::Warn("indicator.unavailable",
                            {{"led", options_.brightness.string()}, {"error", fd.error().message}});
        open_error_logged_ = true;
      }
      return;
    }
    if (open_error_logged_) {
      platform::log::Info("indicator.available", {{"led", options_.brightness.string()}});
    }
    open_error_logged_ = false;
    fd_ = *fd;
  }
  // sysfs attributes are rewritten from the start; so is a regular file standing in for one.
  [[maybe_unused]] off_t pos = ::lseek(fd_, 0, SEEK_SET);
  const char value = on ? '1' : '0';
  if (::write(fd_, &value, 1) != 1) {
    const int err = errno;
    ::close(fd_);
    fd_ = -1;
    {
      std::lock_guard lock(mu_);
      ++stats_.write_errors;
    }
    platform::log::Warn("indicator.write_failed",
                        {{"led", options_.brightness.string()}, {"error", std::strerror(err)}});
    return;
  }
  std::lock_guard lock(mu_);
  ++stats_.writes;
}

void LedIndicator::Run() {
  while (true) {
    BlinkPattern pattern;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) break;
      pattern = queue_.front();
      queue_.pop_front();
    }
    bool interrupted = false;
    for (int i = 0; i < pattern.blinks && !interrupted; ++i) {
      Set(true);
      interrupted = !WaitUnlessStopping(pattern.on);
      Set(false);
      if (!interrupted) interrupted = !WaitUnlessStopping(pattern.off);
    }
    if (interrupted) break;
    std::lock_guard lock(mu_);
    ++stats_.patterns;
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

}  // namespace optin::drivers
