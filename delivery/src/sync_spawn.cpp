#include "sync_spawn.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace tb::delivery {

namespace fs = std::filesystem;

Result<Spawned> Spawned::start(const std::vector<std::string>& argv, const fs::path& tmp,
                               const std::string& name) {
  Spawned s;
  s.program_ = argv.at(0);
  s.out_ = tmp / (name + ".out");
  s.err_ = tmp / (name + ".err");
  // Opened and built here, not in the child: after fork() only async-signal-safe calls are
  // allowed while another thread (the bag's verification) may hold the allocator's lock.
  const int o = ::open(s.out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  const int e = ::open(s.err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (o < 0 || e < 0) {
    const int err = errno;
    if (o >= 0) ::close(o);
    if (e >= 0) ::close(e);
    return make_error(Errc::io, "cannot create {} in {}: {}", name, tmp.string(),
                      std::strerror(err));
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (::dup2(o, 1) < 0 || ::dup2(e, 2) < 0) ::_exit(126);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  const int fork_err = errno;
  ::close(o);
  ::close(e);
  if (pid < 0)
    return make_error(Errc::io, "cannot start {}: {}", s.program_, std::strerror(fork_err));
  s.pid_ = pid;
  return s;
}

Spawned::Spawned(Spawned&& o) noexcept
    : pid_(o.pid_),
      program_(std::move(o.program_)),
      out_(std::move(o.out_)),
      err_(std::move(o.err_)) {
  o.pid_ = -1;
}

Spawned::~Spawned() {
  stop();
}

void Spawned::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int st = 0;
  while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

Result<Run> Spawned::wait() {
  if (pid_ <= 0) return make_error(Errc::internal, "{} was not running", program_);
  int st = 0;
  while (::waitpid(pid_, &st, 0) < 0)
    if (errno != EINTR)
      return make_error(Errc::io, "waiting for {}: {}", program_, std::strerror(errno));
  pid_ = -1;
  Run r;
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  auto slurp = [](const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  r.out = slurp(out_);
  r.err = slurp(err_);
  if (r.status == 127)
    return make_error(Errc::not_found, "{} is not installed (scripts/install-deps installs rclone)",
                      program_);
  return r;
}

}  // namespace tb::delivery
