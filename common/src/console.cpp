#include "tetherbox/common/console.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <mutex>
#include <string>

namespace tb::console {
namespace {

std::mutex g_mu;  // one writer at a time, so lines never interleave
bool g_err_broken = false;
std::string g_status;  // the progress line currently shown ("" when none)

// write(2) the whole text; false on any error but EINTR. SIGPIPE is ignored by the program,
// so a reader that went away shows up here as EPIPE rather than as death.
bool write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    text.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool err_locked(std::string_view text) {
  if (g_err_broken) return false;
  if (!write_all(STDERR_FILENO, text)) g_err_broken = true;
  return !g_err_broken;
}

}  // namespace

bool stderr_is_tty() {
  static const bool tty = ::isatty(STDERR_FILENO) != 0;
  return tty;
}

bool color_enabled() {
  const char* no = std::getenv("NO_COLOR");
  return stderr_is_tty() && (no == nullptr || *no == '\0');
}

bool err(std::string_view text) {
  std::lock_guard lk(g_mu);
  return err_locked(text);
}

bool stderr_broken() {
  std::lock_guard lk(g_mu);
  return g_err_broken;
}

bool out(std::string_view text) {
  return write_all(STDOUT_FILENO, text);
}

void status(std::string_view line) {
  if (!stderr_is_tty()) return;
  std::lock_guard lk(g_mu);
  g_status = line;
  err_locked("\r\033[K" + g_status);
}

void end_status() {
  std::lock_guard lk(g_mu);
  if (g_status.empty()) return;
  g_status.clear();
  err_locked("\n");
}

void log_line(std::string_view text) {
  std::lock_guard lk(g_mu);
  if (g_status.empty()) {
    err_locked(text);
    return;
  }
  std::string s = "\r\033[K";
  s += text;
  s += g_status;
  err_locked(s);
}

}  // namespace tb::console
