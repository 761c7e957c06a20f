#include "platform/service_notifier.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <string>

#include "tests/support/temp_dir.h"

namespace optin::platform::service_notifier_test {
namespace {

// A datagram socket standing in for systemd's notification socket.
class FakeNotifySocket {
 public:
  explicit FakeNotifySocket(const std::string& path) : path_(path) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path.copy(addr.sun_path, sizeof addr.sun_path - 1);
    bound_ = bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    setenv("NOTIFY_SOCKET", path.c_str(), 1);
  }
  ~FakeNotifySocket() {
    unsetenv("NOTIFY_SOCKET");
    close(fd_);
  }
  bool bound() const { return bound_; }
  // The next message, or "" if none arrives within 5 s.
  std::string Receive() {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, 5000) != 1) return "";
    char buf[512];
    ssize_t n = recv(fd_, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  }

 private:
  std::string path_;
  int fd_ = -1;
  bool bound_ = false;
};

TEST(ServiceNotifierTest, ReadyAndStoppingReachTheServiceManager) {
  testing::TempDir dir;
  FakeNotifySocket socket((dir / "notify").string());
  ASSERT_TRUE(socket.bound());
  ServiceNotifier notifier;
  notifier.Ready("serving on 127.0.0.1:8443");
  std::string ready = socket.Receive();
  EXPECT_NE(ready.find("READY=1"), std::string::npos) << ready;
  EXPECT_NE(ready.find("STATUS=serving on 127.0.0.1:8443"), std::string::npos) << ready;
  notifier.Watchdog();
  EXPECT_EQ(socket.Receive(), "WATCHDOG=1");
  notifier.Stopping();
  EXPECT_NE(socket.Receive().find("STOPPING=1"), std::string::npos);
}

TEST(ServiceNotifierTest, WatchdogTimeoutComesFromTheEnvironmentForThisProcessOnly) {
  ServiceNotifier notifier;
  setenv("WATCHDOG_USEC", "4000000", 1);
  setenv("WATCHDOG_PID", std::to_string(getpid()).c_str(), 1);
  auto timeout = notifier.WatchdogTimeout();
  ASSERT_TRUE(timeout.has_value());
  EXPECT_EQ(timeout->count(), 4'000'000);
  setenv("WATCHDOG_PID", std::to_string(getpid() + 1).c_str(), 1);
  EXPECT_FALSE(notifier.WatchdogTimeout().has_value());
  unsetenv("WATCHDOG_USEC");
  unsetenv("WATCHDOG_PID");
  EXPECT_FALSE(notifier.WatchdogTimeout().has_value());
}

TEST(ServiceNotifierTest, WithoutNotifySocketNothingHappens) {
  unsetenv("NOTIFY_SOCKET");
  ServiceNotifier notifier;
  notifier.Ready("x");  // must neither crash nor block
  notifier.Stopping();
  SUCCEED();
}

}  // namespace
}  // namespace optin::platform::service_notifier_test
