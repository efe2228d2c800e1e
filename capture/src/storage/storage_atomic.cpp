// Atomic writes: temp file in the same directory -> write (hashing as we go) -> fsync ->
// rename -> fsync the directory. A failure at any step unlinks the temp file, so the
// destination is either the old file or the complete new one, never half of either.
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <utility>

#include "storage_io_detail.hpp"
#include "tetherbox/capture/storage.hpp"

namespace tb::capture {

namespace detail {

Error write_errno_error(int err, const char* what, const fs::path& file) {
  const fs::path dir = file.has_parent_path() ? file.parent_path() : fs::path(".");
  switch (err) {
    case ENOSPC:
    case EDQUOT:
      return make_error(Errc::no_space, "no space left to {} {} ({} free on {}): {}", what,
                        file.string(), human_mb(free_bytes_at(dir)), dir.string(),
                        std::strerror(err));
    case EROFS:
    case EACCES:
    case EPERM:
      return make_error(Errc::refused, "cannot {} {}: directory {} is not writable ({})", what,
                        file.string(), dir.string(), std::strerror(err));
    case ENOENT:
    case ENOTDIR:
      return make_error(Errc::not_found, "cannot {} {}: directory {} does not exist ({})", what,
                        file.string(), dir.string(), std::strerror(err));
    default:
      return make_error(Errc::io, "cannot {} {}: {}", what, file.string(), std::strerror(err));
  }
}

bool is_storage_temp_name(const std::string& n) {
  // ".<name>.tmp-<digits>-<digits>" with a non-empty <name>.
  if (n.size() < 10 || n[0] != '.') return false;
  const size_t t = n.rfind(".tmp-");
  if (t == std::string::npos || t < 2) return false;
  const size_t dash = n.find('-', t + 5);
  if (dash == std::string::npos || dash == t + 5 || dash + 1 >= n.size()) return false;
  auto digits = [&](size_t from, size_t to) {
    for (size_t i = from; i < to; ++i)
      if (n[i] < '0' || n[i] > '9') return false;
    return true;
  };
  return digits(t + 5, dash) && digits(dash + 1, n.size());
}

Error rename_error(int err, const fs::path& dest) {
  if (err == EEXIST)
    return make_error(Errc::invalid,
                      "refusing to replace {}: a file of that name already exists (two frames "
                      "rendered the same name?); the existing file is kept",
                      dest.string());
  return write_errno_error(err, "rename into place", dest);
}

int rename_into_place(const fs::path& from, const fs::path& to, Overwrite mode) {
  if (mode == Overwrite::replace) return ::rename(from.c_str(), to.c_str()) == 0 ? 0 : errno;
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return 0;
  // EINVAL/ENOSYS: a filesystem (or kernel) without RENAME_NOREPLACE. link() never replaces
  // either; the unlink then only drops the temp name.
  if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP) return errno;
  if (::link(from.c_str(), to.c_str()) != 0) return errno;
  if (::unlink(from.c_str()) != 0) return errno;
  return 0;
}

}  // namespace detail

namespace {

// Large enough that a 48 MB RAW is a dozen syscalls; small enough that the chunk just hashed
// is still in cache when write() copies it.
constexpr size_t kChunk = 4u << 20;
// Staged writes are not hashed inline, so chunks only bound how early writeback starts.
constexpr size_t kStagedChunk = 8u << 20;

std::atomic<uint64_t> g_temp_counter{0};

fs::path temp_path_for(const fs::path& path) {
  const uint64_t n = g_temp_counter.fetch_add(1, std::memory_order_relaxed);
  return path.parent_path() / fmt::format(".{}.tmp-{}-{}", path.filename().string(), ::getpid(), n);
}

Status write_all(int fd, const uint8_t* p, size_t n, detail::Sha256& hash, const fs::path& dest) {
  while (n > 0) {
    const size_t chunk = n < kChunk ? n : kChunk;
    hash.update(p, chunk);
    size_t done = 0;
    while (done < chunk) {
      const ssize_t w = ::write(fd, p + done, chunk - done);
      if (w < 0) {
        if (errno == EINTR) continue;
        return detail::write_errno_error(errno, "write", dest);
      }
      if (w == 0) return detail::write_errno_error(ENOSPC, "write", dest);
      done += static_cast<size_t>(w);
    }
    p += chunk;
    n -= chunk;
  }
  return ok_status();
}

int fsync_retry(int fd) {
  int r;
  do {
    r = ::fsync(fd);
  } while (r != 0 && errno == EINTR);
  return r;
}

}  // namespace

Status fsync_dir(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    return make_error(err == ENOENT ? Errc::not_found : Errc::io, "cannot open directory {}: {}",
                      dir.string(), std::strerror(err));
  }
  const int r = fsync_retry(fd);
  const int err = errno;
  ::close(fd);
  // Some filesystems (e.g. certain FUSE mounts) cannot fsync a directory: nothing to make
  // durable there, so that is not a failure of the write.
  if (r != 0 && err != EINVAL && err != ENOTSUP)
    return make_error(Errc::io, "fsync of directory {} failed: {}", dir.string(),
                      std::strerror(err));
  return ok_status();
}

Result<WrittenFile> write_file_atomic(const fs::path& path, std::span<const uint8_t> data,
                                      Overwrite mode) {
  if (path.filename().empty())
    return make_error(Errc::invalid, "cannot write {}: not a file name", path.string());
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  const fs::path tmp = temp_path_for(path.has_parent_path() ? path : dir / path);

  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return detail::write_errno_error(errno, "create", path);

  auto fail = [&](Error e) -> Result<WrittenFile> {
    ::close(fd);
    ::unlink(tmp.c_str());
    return e;
  };

  detail::Sha256 hash;
  if (auto st = write_all(fd, data.data(), data.size(), hash, path); !st) return fail(st.error());
  if (fsync_retry(fd) != 0) return fail(detail::write_errno_error(errno, "fsync", path));
  auto digest = hash.finish();
  if (!digest) return fail(digest.error());
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return detail::write_errno_error(err, "close", path);
  }
  if (const int err = detail::rename_into_place(tmp, path, mode); err != 0) {
    ::unlink(tmp.c_str());
    return detail::rename_error(err, path);
  }
  // The rename is done: the new content is in place even if the directory fsync fails, so
  // report that failure (durability is not guaranteed) without pretending the file is absent.
  TB_TRY(fsync_dir(dir));
  return WrittenFile{path.string(), data.size(), std::move(*digest)};
}

Result<StagedFile> StagedFile::create(const fs::path& dest, Overwrite mode) {
  if (dest.filename().empty())
    return make_error(Errc::invalid, "cannot write {}: not a file name", dest.string());
  StagedFile f;
  f.mode_ = mode;
  f.dest_ = dest.has_parent_path() ? dest : fs::path(".") / dest;
  f.tmp_ = temp_path_for(f.dest_);
  f.fd_ = ::open(f.tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (f.fd_ < 0) return detail::write_errno_error(errno, "create", dest);
  return f;
}

StagedFile::StagedFile(StagedFile&& o) noexcept
    : dest_(std::move(o.dest_)),
      tmp_(std::move(o.tmp_)),
      fd_(std::exchange(o.fd_, -1)),
      size_(o.size_),
      mode_(o.mode_),
      synced_(o.synced_),
      committed_(std::exchange(o.committed_, true)) {}

StagedFile& StagedFile::operator=(StagedFile&& o) noexcept {
  if (this != &o) {
    discard();
    dest_ = std::move(o.dest_);
    tmp_ = std::move(o.tmp_);
    fd_ = std::exchange(o.fd_, -1);
    size_ = o.size_;
    mode_ = o.mode_;
    synced_ = o.synced_;
    committed_ = std::exchange(o.committed_, true);
  }
  return *this;
}

StagedFile::~StagedFile() {
  discard();
}

void StagedFile::discard() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!committed_ && !tmp_.empty()) ::unlink(tmp_.c_str());
  committed_ = true;  // nothing left to clean up
}

Status StagedFile::write(std::span<const uint8_t> data) {
  if (fd_ < 0 || synced_)
    return make_error(Errc::internal, "write to {} after it was synced", dest_.string());
  const uint8_t* p = data.data();
  size_t n = data.size();
  while (n > 0) {
    const size_t chunk = n < kStagedChunk ? n : kStagedChunk;
    size_t done = 0;
    while (done < chunk) {
      const ssize_t w = ::write(fd_, p + done, chunk - done);
      if (w < 0) {
        if (errno == EINTR) continue;
        return detail::write_errno_error(errno, "write", dest_);
      }
      if (w == 0) return detail::write_errno_error(ENOSPC, "write", dest_);
      done += static_cast<size_t>(w);
    }
    // Start writeback of this chunk now, so the disk works while the caller hashes and
    // decodes; the later fsync waits for I/O already under way. Advisory only: a failure
    // here (e.g. a filesystem without it) is reported by that fsync, which is the guarantee.
    (void)::sync_file_range(fd_, static_cast<off_t>(size_), static_cast<off_t>(chunk),
                            SYNC_FILE_RANGE_WRITE);
    size_ += chunk;
    p += chunk;
    n -= chunk;
  }
  return ok_status();
}

Status StagedFile::sync() {
  if (synced_) return ok_status();
  if (fd_ < 0) return make_error(Errc::internal, "sync of {} after discard", dest_.string());
  // fdatasync: the bytes and the size (needed to read them back) are made durable; the
  // timestamps are not worth a second metadata write per file.
  int r;
  do {
    r = ::fdatasync(fd_);
  } while (r != 0 && errno == EINTR);
  if (r != 0) return detail::write_errno_error(errno, "fdatasync", dest_);
  const int c = ::close(fd_);
  fd_ = -1;
  if (c != 0) return detail::write_errno_error(errno, "close", dest_);
  synced_ = true;
  return ok_status();
}

Status StagedFile::commit() {
  if (!synced_ || committed_)
    return make_error(Errc::internal, "commit of {} before sync or twice", dest_.string());
  if (const int err = detail::rename_into_place(tmp_, dest_, mode_); err != 0) {
    discard();
    return detail::rename_error(err, dest_);
  }
  committed_ = true;
  return ok_status();
}

Result<WrittenFile> write_file_atomic(const fs::path& path, const std::string& text,
                                      Overwrite mode) {
  return write_file_atomic(
      path, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()),
      mode);
}

}  // namespace tb::capture
