#include "run_program.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace tb::delivery {

namespace fs = std::filesystem;

// Runs a program (no shell: names and remotes are never interpreted), capturing its output.
Result<Run> run_program(const std::vector<std::string>& argv, const fs::path& tmp) {
  const fs::path out = tmp / "rclone.out", err = tmp / "rclone.err";
  const pid_t pid = ::fork();
  if (pid < 0) return make_error(Errc::io, "cannot start {}: {}", argv[0], std::strerror(errno));
  if (pid == 0) {
    const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (o < 0 || e < 0) ::_exit(126);
    ::dup2(o, 1);
    ::dup2(e, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  int st = 0;
  while (::waitpid(pid, &st, 0) < 0)
    if (errno != EINTR)
      return make_error(Errc::io, "waiting for {}: {}", argv[0], std::strerror(errno));
  Run r;
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  auto slurp = [](const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  r.out = slurp(out);
  r.err = slurp(err);
  if (r.status == 127)
    return make_error(Errc::not_found, "{} is not installed (scripts/install-deps installs rclone)",
                      argv[0]);
  return r;
}

}  // namespace tb::delivery
