// Runs chronyc as a child process with its output on a pipe, killed when it takes too long (a
// chronyc without a daemon retries for seconds).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "tetherbox/hal/clock_sync.hpp"

extern char** environ;

namespace tb::hal {
namespace {

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

struct FileActions {
  posix_spawn_file_actions_t a;
  FileActions() { posix_spawn_file_actions_init(&a); }
  ~FileActions() { posix_spawn_file_actions_destroy(&a); }
};

// chronyc's own words for a failure, without the newline that would end up in the record.
std::string first_line(const std::string& out) {
  return out.substr(0, std::min<size_t>(out.find_first_of("\r\n"), 120));
}

}  // namespace

Result<std::string> run_chronyc_tracking(double timeout_s) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return make_error(Errc::io, "pipe: {}", std::strerror(errno));
  Fd rd{p[0]};
  Fd wr{p[1]};
  FileActions fa;
  posix_spawn_file_actions_addopen(&fa.a, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa.a, wr.fd, 1);
  posix_spawn_file_actions_addopen(&fa.a, 2, "/dev/null", O_WRONLY, 0);
  char arg0[] = "chronyc", arg1[] = "-c", arg2[] = "-n", arg3[] = "tracking";
  char* argv[] = {arg0, arg1, arg2, arg3, nullptr};
  pid_t pid = -1;
  if (int e = posix_spawnp(&pid, "chronyc", &fa.a, nullptr, argv, environ); e != 0) {
    if (e == ENOENT) return make_error(Errc::not_found, "chronyc not installed (not on PATH)");
    return make_error(Errc::io, "cannot start chronyc: {}", std::strerror(e));
  }
  ::close(wr.fd);
  wr.fd = -1;
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(timeout_s));
  bool timed_out = false;
  bool too_long = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd pfd{rd.fd, POLLIN, 0};
    int n = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;  // the deadline check above ends the wait
    char buf[512];
    ssize_t got = ::read(rd.fd, buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    out.append(buf, static_cast<size_t>(got));
    if (out.size() > 4096) {  // one tracking line is ~150 bytes; anything else is not it
      too_long = true;
      break;
    }
  }
  if (timed_out || too_long) ::kill(pid, SIGKILL);
  int st = 0;
  while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  if (timed_out)
    return make_error(Errc::timeout, "chronyc tracking gave no answer within {:.1f} s", timeout_s);
  if (too_long) return make_error(Errc::invalid, "chronyc tracking: more output than one line");
  if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
    return make_error(Errc::not_found, "chronyc could not be executed");
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
    return make_error(Errc::io, "chronyc tracking failed (exit {}): {}",
                      WIFEXITED(st) ? WEXITSTATUS(st) : -1, first_line(out));
  return out;
}

}  // namespace tb::hal
