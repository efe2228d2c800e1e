#include "pty_controller.hpp"

#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>

namespace tb::test {

PtyController::PtyController(Script script) : script_(std::move(script)) {
  master_ = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master_ < 0 || ::grantpt(master_) != 0 || ::unlockpt(master_) != 0)
    throw std::runtime_error("posix_openpt failed");
  path_ = ::ptsname(master_);
  // Raw from the start, so nothing the controller says is echoed back before the driver opens.
  termios tio{};
  ::tcgetattr(master_, &tio);
  ::cfmakeraw(&tio);
  ::tcsetattr(master_, TCSANOW, &tio);
  thread_ = std::thread([this] { loop(); });
}

PtyController::~PtyController() {
  stop_ = true;
  thread_.join();
  ::close(master_);
}

void PtyController::send(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(master_, bytes.data(), bytes.size());
    if (n <= 0) return;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

std::vector<std::string> PtyController::received() const {
  std::lock_guard lock(mu_);
  return lines_;
}

void PtyController::pause_ms(int ms) {
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (!stop_ && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

void PtyController::loop() {
  std::string buf;
  while (!stop_) {
    pollfd p{master_, POLLIN, 0};
    int r = ::poll(&p, 1, 20);
    if (r <= 0) continue;
    if (!(p.revents & POLLIN)) {
      // No slave open (POLLHUP): wait for the driver to open it.
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    char chunk[256];
    ssize_t n = ::read(master_, chunk, sizeof chunk);
    if (n <= 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    buf.append(chunk, static_cast<size_t>(n));
    for (auto nl = buf.find('\n'); nl != std::string::npos; nl = buf.find('\n')) {
      std::string line = buf.substr(0, nl);
      buf.erase(0, nl + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      {
        std::lock_guard lock(mu_);
        lines_.push_back(line);
      }
      script_(line, *this);
    }
  }
}

}  // namespace tb::test
