#include "serial_port.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace tb::hal::turntable {
namespace {

using Clock = std::chrono::steady_clock;

Result<speed_t> baud_constant(int baud) {
  switch (baud) {
    case 9600:
      return B9600;
    case 19200:
      return B19200;
    case 38400:
      return B38400;
    case 57600:
      return B57600;
    case 115200:
      return B115200;
    case 230400:
      return B230400;
    case 460800:
      return B460800;
    case 500000:
      return B500000;
    case 921600:
      return B921600;
    default:
      break;
  }
  return make_error(Errc::invalid,
                    "baud {} is not supported (9600, 19200, 38400, 57600, 115200, 230400, "
                    "460800, 500000, 921600)",
                    baud);
}

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

}  // namespace

Result<SerialPort> SerialPort::open(const std::string& path, int baud) {
  auto speed = baud_constant(baud);
  if (!speed) return make_error(Errc::invalid, "serial port {}: {}", path, speed.error().message);
  // O_NONBLOCK: open must not wait for carrier detect; reads are paced by poll() anyway.
  int fd = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    if (e == ENOENT || e == ENODEV || e == ENXIO)
      return make_error(Errc::not_found,
                        "serial port {} does not exist ({}); check the cable and "
                        "turntable.gcode.port",
                        path, std::strerror(e));
    if (e == EBUSY)
      return make_error(Errc::busy, "serial port {} is busy (another process has it open)", path);
    if (e == EACCES || e == EPERM)
      return make_error(Errc::refused,
                        "serial port {}: permission denied; add the service user to 'dialout'",
                        path);
    return make_error(Errc::io, "serial port {}: open failed: {}", path, std::strerror(e));
  }
  SerialPort port(fd, path);
  if (!::isatty(fd))
    return make_error(Errc::invalid,
                      "{} is not a serial port (not a tty); check "
                      "turntable.gcode.port",
                      path);
  // Two tetherbox processes on one controller would interleave commands: refuse the second.
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK)
      return make_error(Errc::busy, "serial port {} is in use by another process", path);
    return make_error(Errc::io, "serial port {}: lock failed: {}", path, std::strerror(errno));
  }
  termios tio{};
  if (::tcgetattr(fd, &tio) != 0)
    return make_error(Errc::io, "serial port {}: tcgetattr: {}", path, std::strerror(errno));
  ::cfmakeraw(&tio);
  tio.c_cflag |= CLOCAL | CREAD;
  tio.c_cflag &= ~static_cast<tcflag_t>(CSTOPB | CRTSCTS);
  tio.c_cc[VMIN] = 0;
  tio.c_cc[VTIME] = 0;
  ::cfsetispeed(&tio, *speed);
  ::cfsetospeed(&tio, *speed);
  if (::tcsetattr(fd, TCSANOW, &tio) != 0)
    return make_error(Errc::io, "serial port {}: tcsetattr: {}", path, std::strerror(errno));
  return port;
}

SerialPort::SerialPort(SerialPort&& o) noexcept
    : fd_(o.fd_), path_(std::move(o.path_)), buf_(std::move(o.buf_)) {
  o.fd_ = -1;
}

SerialPort& SerialPort::operator=(SerialPort&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
    path_ = std::move(o.path_);
    buf_ = std::move(o.buf_);
  }
  return *this;
}

SerialPort::~SerialPort() {
  if (fd_ >= 0) ::close(fd_);
}

Status SerialPort::write_all(std::string_view bytes, int timeout_ms) {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!bytes.empty()) {
    ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n > 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN)
      return make_error(Errc::disconnected, "serial port {}: write failed: {}", path_,
                        std::strerror(errno));
    pollfd p{fd_, POLLOUT, 0};
    int r = ::poll(&p, 1, remaining_ms(deadline));
    if (r == 0)
      return make_error(Errc::timeout, "serial port {}: write blocked for {} ms", path_,
                        timeout_ms);
    if (r < 0 && errno != EINTR)
      return make_error(Errc::io, "serial port {}: poll: {}", path_, std::strerror(errno));
  }
  return ok_status();
}

Result<std::string> SerialPort::read_line(int timeout_ms) {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    auto nl = buf_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buf_.substr(0, nl);
      buf_.erase(0, nl + 1);
      while (!line.empty() && (line.back() == '\r' || line.back() == '\0')) line.pop_back();
      return line;
    }
    if (buf_.size() > kMaxLine) {
      buf_.clear();
      return make_error(Errc::invalid,
                        "serial port {}: more than {} bytes without a line end; is this a "
                        "G-code controller at the configured baud?",
                        path_, kMaxLine);
    }
    pollfd p{fd_, POLLIN, 0};
    int r = ::poll(&p, 1, remaining_ms(deadline));
    if (r < 0) {
      if (errno == EINTR) continue;
      return make_error(Errc::io, "serial port {}: poll: {}", path_, std::strerror(errno));
    }
    if (r == 0)
      return make_error(Errc::timeout, "serial port {}: no reply within {} ms", path_, timeout_ms);
    char chunk[256];
    ssize_t n = ::read(fd_, chunk, sizeof chunk);
    if (n > 0) {
      buf_.append(chunk, static_cast<size_t>(n));
    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
      // EIO / hang-up: a USB adapter unplugged, or the far end of a pty closed.
      return make_error(Errc::disconnected, "serial port {}: controller disconnected ({})", path_,
                        n == 0 ? "end of file" : std::strerror(errno));
    }
  }
}

void SerialPort::discard_input() {
  buf_.clear();
  ::tcflush(fd_, TCIFLUSH);
}

}  // namespace tb::hal::turntable
