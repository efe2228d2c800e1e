// The bag lock: one process writes a bag. flock() on <bag>/.tetherbox.lock, held as long as
// the fd is open (the Bag's life) and dropped by the kernel on any death, so a kill -9 never
// leaves a stale lock. The file's text only names the holder for the refusal message.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>

#include "storage_io_detail.hpp"
#include "tetherbox/capture/storage.hpp"

namespace tb::capture::detail {

namespace {

std::string own_command() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string out;
  size_t pos = 0;
  for (int i = 0; i < 2 && pos < all.size(); ++i) {  // program and subcommand
    const size_t end = std::min(all.find('\0', pos), all.size());
    std::string part = all.substr(pos, end - pos);
    if (i == 0) part = std::filesystem::path(part).filename().string();
    out += (out.empty() ? "" : " ") + part;
    pos = end + 1;
  }
  return out.empty() ? "unknown program" : out;
}

std::string holder_text() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) std::strcpy(host, "unknown host");
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return fmt::format("pid {} ({}, host {}, started {})\n", ::getpid(), own_command(), host, when);
}

std::string read_holder(int fd) {
  char buf[512];
  const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  std::string s(buf, n > 0 ? static_cast<size_t>(n) : 0);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\0')) s.pop_back();
  for (auto& c : s)
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  return s.empty() ? "another process" : s;
}

// The holder records itself just after it gets the lock, so a contender can read the file in
// between and see nothing, or the text of an earlier holder that has since died. Read until
// the text names a live process; after a bounded number of tries, say what is known.
std::string current_holder(int fd) {
  std::string who;
  for (int i = 0; i < 200; ++i) {
    who = read_holder(fd);
    int pid = 0;
    if (std::sscanf(who.c_str(), "pid %d", &pid) == 1 && pid > 0 &&
        (::kill(pid, 0) == 0 || errno == EPERM))
      return who;
    ::usleep(5000);
  }
  return who;
}

}  // namespace

Result<int> lock_bag(const std::filesystem::path& bag_dir, const std::filesystem::path& shown) {
  const std::filesystem::path path = bag_dir / Bag::kLockFile;
  // Someone may unlink (or replace) the lock file between our open and our flock: then we
  // would hold a lock on an inode nobody else opens. Retry until the locked inode is the one
  // the path names.
  for (int attempt = 0; attempt < 10; ++attempt) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) return write_errno_error(errno, "open the lock file", path);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      if (err == EWOULDBLOCK) {
        const std::string who = current_holder(fd);
        ::close(fd);
        return make_error(Errc::busy,
                          "bag {} is being written by {} (lock {}): wait for it to finish or "
                          "stop it first",
                          shown.string(), who, path.string());
      }
      ::close(fd);
      return make_error(Errc::io, "cannot lock {}: {}", path.string(), std::strerror(err));
    }
    struct stat by_fd {
    }, by_path{};
    if (::fstat(fd, &by_fd) == 0 && ::lstat(path.c_str(), &by_path) == 0 &&
        by_fd.st_dev == by_path.st_dev && by_fd.st_ino == by_path.st_ino) {
      const std::string me = holder_text();
      // Informational only (the lock is the flock): no fsync needed.
      if (::ftruncate(fd, 0) != 0 ||
          ::pwrite(fd, me.data(), me.size(), 0) != static_cast<ssize_t>(me.size()))
        spdlog::warn("bag lock {}: could not record the holder: {}", path.string(),
                     std::strerror(errno));
      return fd;
    }
    ::close(fd);
  }
  return make_error(Errc::busy, "cannot lock bag {}: its lock file keeps being replaced",
                    shown.string());
}

}  // namespace tb::capture::detail
