#include "export_staging.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <linux/fs.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "tetherbox/capture/storage.hpp"

namespace tb::delivery {

namespace {

Error errno_error(int err, const char* what, const fs::path& p) {
  return Error{err == ENOSPC || err == EDQUOT ? Errc::no_space : Errc::io,
               fmt::format("cannot {} {}: {}", what, p.string(), std::strerror(err))};
}

Status write_all(int fd, std::span<const uint8_t> bytes, const fs::path& p) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t w = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return errno_error(errno, "write", p);
    done += static_cast<size_t>(w);
  }
  return ok_status();
}

enum class Clone { done, failed, unsupported };

// A reflink of `from` into the empty file `fd` (FICLONE). `unsupported` where the filesystem
// cannot (ext4, tmpfs: EOPNOTSUPP/ENOTTY/EINVAL; across filesystems: EXDEV), which holds for
// every file of the export; the caller answers any failure by writing the bytes.
Clone clone_file(int fd, const fs::path& from) {
  const int src = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (src < 0) return Clone::failed;
  const bool ok = ::ioctl(fd, FICLONE, src) == 0;
  const int err = errno;
  ::close(src);
  if (ok) return Clone::done;
  return err == EOPNOTSUPP || err == ENOTTY || err == EINVAL || err == EXDEV ? Clone::unsupported
                                                                             : Clone::failed;
}

// Below this size a file's writeback is left to the one syncfs: kicking it per file costs a
// system call and a small I/O each for the thousands of sidecars and skeleton files.
constexpr size_t kKickWritebackFrom = 1u << 20;

// The leftovers of exports to `target` that were killed: hidden staging folders nobody holds
// the lock of. One still locked belongs to an export running now and is left alone.
void remove_dead_stagings(const fs::path& parent, const std::string& name) {
  const std::string prefix = "." + name + ".export-";
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(parent, ec)) {
    const std::string n = e.path().filename().string();
    if (n.rfind(prefix, 0) != 0 || !e.is_directory(ec) || e.is_symlink(ec)) continue;
    const int fd = ::open(e.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) continue;
    const bool dead = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
    if (dead) {
      std::error_code rm;
      fs::remove_all(e.path(), rm);
      if (rm)
        spdlog::warn("export: cannot remove the unfinished export {}: {}", e.path().string(),
                     rm.message());
      else
        spdlog::warn("export: removed {}, an unfinished export left by an interrupted run",
                     e.path().string());
    }
    ::close(fd);
  }
}

}  // namespace

Result<std::vector<uint8_t>> read_whole_file(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_error(errno, "read", path);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return errno_error(err, "stat", path);
  }
  std::vector<uint8_t> bytes(static_cast<size_t>(st.st_size));
  size_t done = 0;
  for (;;) {
    if (done == bytes.size()) bytes.resize(done + 65536);  // grew since fstat: read to EOF
    const ssize_t r = ::read(fd, bytes.data() + done, bytes.size() - done);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      const int err = errno;
      ::close(fd);
      return errno_error(err, "read", path);
    }
    if (r == 0) break;
    done += static_cast<size_t>(r);
  }
  ::close(fd);
  bytes.resize(done);
  return bytes;
}

Result<ExportStaging> ExportStaging::create(const fs::path& target) {
  const fs::path parent = target.parent_path();
  const std::string name = target.filename().string();
  remove_dead_stagings(parent, name);
  ExportStaging s;
  s.target_ = target;
  s.staging_ = parent / fmt::format(".{}.export-{}", name, ::getpid());
  std::error_code ec;
  fs::remove_all(s.staging_, ec);  // a leftover of this same pid (cannot be anyone else's)
  if (::mkdir(s.staging_.c_str(), 0755) != 0) return errno_error(errno, "create", s.staging_);
  s.lock_fd_ = ::open(s.staging_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (s.lock_fd_ < 0 || ::flock(s.lock_fd_, LOCK_EX | LOCK_NB) != 0)
    return errno_error(errno, "lock", s.staging_);
  // The bag's frame (bagit.txt, data/ folders, an empty manifest) as every bag starts.
  auto bag = capture::Bag::create(s.staging_, name.empty() || name[0] == '.' ? "export" : name);
  if (!bag) return bag.error();
  s.bag_ = (*bag)->dir();
  return s;
}

ExportStaging::ExportStaging(ExportStaging&& o) noexcept
    : target_(std::move(o.target_)),
      staging_(std::move(o.staging_)),
      bag_(std::move(o.bag_)),
      lock_fd_(o.lock_fd_),
      committed_(o.committed_),
      dirs_(std::move(o.dirs_)),
      manifest_(std::move(o.manifest_)) {
  o.lock_fd_ = -1;
  o.staging_.clear();
}

ExportStaging::~ExportStaging() {
  if (!committed_ && !staging_.empty()) {
    std::error_code ec;
    fs::remove_all(staging_, ec);
  }
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

Status ExportStaging::make_parent_dirs(const std::string& rel) {
  std::lock_guard lock(mu_);
  const fs::path dir = fs::path(rel).parent_path();
  if (dir.empty() || dirs_.contains(dir.string())) return ok_status();
  std::error_code ec;
  fs::create_directories(bag_ / "data" / dir, ec);
  if (ec) return errno_error(ec.value(), "create", bag_ / "data" / dir);
  for (fs::path d = dir; !d.empty(); d = d.parent_path()) dirs_.insert(d.string());
  return ok_status();
}

Result<int> ExportStaging::begin_payload(const std::string& rel) {
  TB_TRY(make_parent_dirs(rel));
  const fs::path p = bag_ / "data" / rel;
  const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return errno_error(errno, "create", p);
  return fd;
}

Status ExportStaging::append_payload(int fd, const std::string& rel,
                                     std::span<const uint8_t> bytes) {
  return write_all(fd, bytes, bag_ / "data" / rel);
}

Status ExportStaging::end_payload(int fd, const std::string& rel, const std::string& sha256,
                                  Status written) {
  if (::close(fd) != 0 && written) written = errno_error(errno, "close", bag_ / "data" / rel);
  if (!written) return written;
  const std::string line = capture::manifest_line(sha256, "data/" + rel);
  std::lock_guard lock(mu_);
  manifest_ += line;
  return ok_status();
}

Status ExportStaging::write_payload(const std::string& rel, std::span<const uint8_t> bytes,
                                    const std::string& sha256, const fs::path& clone_from) {
  auto fd = begin_payload(rel);
  if (!fd) return fd.error();
  Status st = ok_status();
  Clone cloned = Clone::failed;
  if (!clone_from.empty() && may_clone_) {
    cloned = clone_file(*fd, clone_from);
    if (cloned == Clone::unsupported) may_clone_ = false;
  }
  if (cloned != Clone::done) {
    st = append_payload(*fd, rel, bytes);
    // A large file's writeback starts now, while the next file is read and hashed: the one
    // syncfs at the end then waits for little.
    if (st && bytes.size() >= kKickWritebackFrom)
      ::sync_file_range(*fd, 0, 0, SYNC_FILE_RANGE_WRITE);
  }
  return end_payload(*fd, rel, sha256, st);
}

Status ExportStaging::sync_payload() {
  // One flush of the filesystem instead of one per file: the files and their folders' entries
  // are durable when it returns (since Linux 5.8 it also reports writeback errors).
  if (::syncfs(lock_fd_) != 0) return errno_error(errno, "flush (syncfs) the export in", staging_);
  // Files are written on several threads, so their lines come in any order: sorted by path,
  // two exports of one bag have the same manifest, byte for byte.
  std::vector<std::string_view> lines;
  for (size_t at = 0; at < manifest_.size();) {
    const size_t end = manifest_.find('\n', at);
    const size_t next = end == std::string::npos ? manifest_.size() : end + 1;
    lines.emplace_back(manifest_.data() + at, next - at);
    at = next;
  }
  std::sort(lines.begin(), lines.end(), [](std::string_view a, std::string_view b) {
    return a.substr(std::min<size_t>(a.size(), 66)) < b.substr(std::min<size_t>(b.size(), 66));
  });
  std::string sorted;
  sorted.reserve(manifest_.size());
  for (const auto l : lines) sorted += l;
  auto w = capture::write_file_atomic(bag_ / "manifest-sha256.txt", sorted);
  if (!w) return w.error();
  return ok_status();
}

Status ExportStaging::commit() {
  std::error_code ec;
  fs::remove(bag_ / capture::Bag::kLockFile, ec);        // nothing writes a delivered bag
  if (fs::exists(target_, ec)) fs::remove(target_, ec);  // an empty folder (checked before)
  if (::rename(bag_.c_str(), target_.c_str()) != 0)
    return make_error(Errc::io, "cannot move the finished export onto {}: {}", target_.string(),
                      std::strerror(errno));
  committed_ = true;
  TB_TRY(capture::fsync_dir(target_.parent_path()));
  // Empty now; if it cannot go, the next export to this target removes it.
  fs::remove_all(staging_, ec);
  return ok_status();
}

}  // namespace tb::delivery
