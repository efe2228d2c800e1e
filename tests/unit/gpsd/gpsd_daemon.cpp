#include "gpsd_daemon.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace tb::test {
namespace {

int free_tcp_port() {
  const int s = socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0) return 0;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  close(s);
  return port;
}

}  // namespace

GpsdDaemon::GpsdDaemon(std::string gpsd_path, std::string log_path)
    : gpsd_path_(std::move(gpsd_path)), log_path_(std::move(log_path)) {}

GpsdDaemon::~GpsdDaemon() {
  kill_daemon();
  if (slave_ >= 0) close(slave_);
  if (master_ >= 0) close(master_);
}

std::string GpsdDaemon::open_terminal() {
  master_ = posix_openpt(O_RDWR | O_NOCTTY);
  if (master_ < 0 || grantpt(master_) != 0 || unlockpt(master_) != 0) {
    return std::string("pseudo-terminal: ") + std::strerror(errno);
  }
  slave_name_ = ptsname(master_);
  // Our own slave descriptor keeps the terminal from hanging up while gpsd is down; raw mode
  // stops the line discipline from echoing our NMEA back into the master.
  slave_ = open(slave_name_.c_str(), O_RDWR | O_NOCTTY);
  if (slave_ < 0) return "open " + slave_name_ + ": " + std::strerror(errno);
  termios tio{};
  tcgetattr(slave_, &tio);
  cfmakeraw(&tio);
  tcsetattr(slave_, TCSANOW, &tio);
  port_ = free_tcp_port();
  if (port_ == 0) return "no free TCP port";
  return {};
}

std::string GpsdDaemon::start() {
  if (access(gpsd_path_.c_str(), X_OK) != 0) return gpsd_path_ + " is not installed";
  const std::string port = std::to_string(port_);
  const pid_t pid = fork();
  if (pid < 0) return std::string("fork: ") + std::strerror(errno);
  if (pid == 0) {
    const int log = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (log >= 0) {
      dup2(log, 1);
      dup2(log, 2);
    }
    execl(gpsd_path_.c_str(), "gpsd", "-N", "-n", "-b", "-S", port.c_str(), slave_name_.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  pid_ = pid;
  return {};
}

void GpsdDaemon::kill_daemon() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int st = 0;
  waitpid(pid_, &st, 0);
  pid_ = -1;
}

bool GpsdDaemon::write(const std::string& text) {
  size_t off = 0;
  while (off < text.size()) {
    const ssize_t n = ::write(master_, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace tb::test
