#include "drivers/serial_scanner.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <utility>

namespace optin::drivers {
namespace {

constexpr std::array<std::pair<int, speed_t>, 14> kRates{{{1200, B1200},
                                                          {2400, B2400},
                                                          {4800, B4800},
                                                          {9600, B9600},
                                                          {19200, B19200},
                                                          {38400, B38400},
                                                          {57600, B57600},
                                                          {115200, B115200},
                                                          {230400, B230400},
                                                          {460800, B460800},
                                                          {500000, B500000},
                                                          {921600, B921600},
                                                          {1000000, B1000000},
                                                          {2000000, B2000000}}};

constexpr std::array<int, kRates.size()> MakeBauds() {
  std::array<int, kRates.size()> out{};
  for (size_t i = 0; i < kRates.size(); ++i) out[i] = kRates[i].first;
  return out;
}
constexpr std::array<int, kRates.size()> kBauds = MakeBauds();

}  // namespace

std::span<const int> SupportedBaudRates() { return kBauds; }

std::optional<unsigned> BaudConstant(int baud) {
  for (const auto& [rate, constant] : kRates) {
    if (rate == baud) return static_cast<unsigned>(constant);
  }
  return std::nullopt;
}

SerialScanner::SerialScanner(ScannerConfig config, platform::FileSystem& fs,
                             const platform::Clock& clock)
    : LineScanner(config, fs, clock) {}

Result<int> SerialScanner::OpenDevice() {
  const auto& c = config();
  const auto speed = BaudConstant(c.baud);
  if (!speed) {  // MakeScanner refuses these; kept as a guard
    return Fail(ErrorCode::kInvalidArgument, "unsupported baud rate " + std::to_string(c.baud));
  }
  OPTIN_ASSIGN_OR_RETURN(int fd, fs().OpenDevice(c.device, O_RDWR | O_NOCTTY | O_NONBLOCK));
  termios tio{};
  if (::tcgetattr(fd, &tio) != 0) {
    const int err = errno;
    ::close(fd);
    return std::unexpected(platform::ErrnoError(err, "tcgetattr (is it a serial port?)", c.device));
  }
  ::cfmakeraw(&tio);
  tio.c_cflag |= CLOCAL | CREAD;
  tio.c_cc[VMIN] = 1;
  tio.c_cc[VTIME] = 0;
  if (::cfsetispeed(&tio, static_cast<speed_t>(*speed)) != 0 ||
      ::cfsetospeed(&tio, static_cast<speed_t>(*speed)) != 0 ||
      ::tcsetattr(fd, TCSANOW, &tio) != 0) {
    const int err = errno;
    ::close(fd);
    return std::unexpected(platform::ErrnoError(err, "tcsetattr", c.device));
  }
  return fd;
}

}  // namespace optin::drivers
