// The journal (data/journal.jsonl): append-only, one line per event, each line fdatasync'd
// before append() returns, so a line that was acknowledged survives a power cut and a line
// that was not is at worst a torn tail that readers skip.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include <spdlog/spdlog.h>

#include "storage_io_detail.hpp"
#include "tetherbox/capture/storage.hpp"

namespace tb::capture {

namespace {

// A torn tail: the bytes after the last '\n' (no newline: the write never completed). A
// filesystem may also leave zero-filled blocks after a crash; a line holding NUL bytes was
// never written by append() and counts as torn too.
bool line_is_torn(const std::string& line) {
  return line.find('\0') != std::string::npos;
}

// Where the journal's whole lines end: its size, or the start of a torn last line. Only the
// tail is read (backwards, 64 KiB at a time), so opening a 190 MB journal to append costs
// what opening a short one does.
Result<uint64_t> whole_lines_end(const fs::path& path, uint64_t size) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error(Errc::io, "cannot read journal {}: {}", path.string(), std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  // Scans backwards from `end` for the last '\n' before it; sets *nul when a NUL byte lies
  // between. Returns the offset just past that '\n' (0 when there is none).
  auto line_start = [&](uint64_t end, bool* nul) -> Result<uint64_t> {
    std::string buf;
    for (uint64_t hi = end; hi > 0;) {
      const uint64_t lo = hi > (64u << 10) ? hi - (64u << 10) : 0;
      buf.resize(hi - lo);
      size_t got = 0;
      while (got < buf.size()) {
        const ssize_t r = ::pread(fd, buf.data() + got, buf.size() - got, static_cast<off_t>(lo + got));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0)
          return make_error(Errc::io, "cannot read journal {}: {}", path.string(),
                            r < 0 ? std::strerror(errno) : "file shrank while read");
        got += static_cast<size_t>(r);
      }
      const size_t nl = buf.rfind('\n');
      const size_t from = nl == std::string::npos ? 0 : nl + 1;
      if (buf.find('\0', from) != std::string::npos) *nul = true;
      if (nl != std::string::npos) return lo + nl + 1;
      hi = lo;
    }
    return uint64_t{0};
  };
  bool nul = false;
  auto last = line_start(size, &nul);
  if (!last) return last.error();
  if (*last < size) return *last;  // no newline at the end: the write never finished
  // The file ends with '\n': its last line is torn only if a crash left NUL bytes in it.
  nul = false;
  auto prev = line_start(size - 1, &nul);
  if (!prev) return prev.error();
  return nul ? *prev : size;
}

}  // namespace

Result<std::unique_ptr<Journal>> Journal::open(const fs::path& path) {
  const bool existed = fs::exists(path);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return detail::write_errno_error(errno, "open journal", path);
  std::unique_ptr<Journal> j(new Journal());
  j->fd_ = fd;
  j->path_ = path;

  // A crash mid-append leaves a partial last line; appending after it would glue the next
  // line onto the fragment. The fragment was never acknowledged, so cut it off.
  struct stat st {};
  if (::fstat(fd, &st) != 0) return detail::write_errno_error(errno, "stat journal", path);
  if (st.st_size > 0) {
    auto keep = whole_lines_end(path, static_cast<uint64_t>(st.st_size));
    if (!keep) return keep.error();
    if (*keep < static_cast<uint64_t>(st.st_size)) {
      spdlog::warn("journal {}: dropping a torn last line ({} bytes) left by an interrupted write",
                   path.string(), static_cast<uint64_t>(st.st_size) - *keep);
      if (::ftruncate(fd, static_cast<off_t>(*keep)) != 0 || ::fdatasync(fd) != 0)
        return detail::write_errno_error(errno, "truncate torn tail of journal", path);
    }
  }
  if (!existed) TB_TRY(fsync_dir(path.has_parent_path() ? path.parent_path() : fs::path(".")));
  return j;
}

Journal::~Journal() {
  if (fd_ >= 0) ::close(fd_);
}

Status Journal::append(const std::string& json_line) {
  return append_lines({json_line});
}

Status Journal::append_lines(const std::vector<std::string>& json_lines) {
  if (json_lines.empty()) return ok_status();
  std::string buf;
  for (const auto& l : json_lines) {
    if (l.find('\n') != std::string::npos || l.find('\0') != std::string::npos)
      return make_error(Errc::invalid, "journal line must be one line without NUL bytes");
    buf.append(l).push_back('\n');
  }

  std::lock_guard lock(mu_);
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return make_error(Errc::io, "journal stat: {}", std::strerror(errno));
  const off_t before = st.st_size;
  size_t done = 0;
  while (done < buf.size()) {
    const ssize_t w = ::write(fd_, buf.data() + done, buf.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      const int err = w < 0 ? errno : ENOSPC;
      // Take back the partial lines so the journal stays a sequence of whole lines.
      if (done > 0 && ::ftruncate(fd_, before) != 0)
        spdlog::error("journal: could not remove a partial line: {}", std::strerror(errno));
      return detail::write_errno_error(err, "append to", path_);
    }
    done += static_cast<size_t>(w);
  }
  int r;
  do {
    r = ::fdatasync(fd_);
  } while (r != 0 && errno == EINTR);
  if (r != 0) return detail::write_errno_error(errno, "fdatasync", path_);
  return ok_status();
}

Result<std::vector<std::string>> Journal::read_lines(const fs::path& path, bool* torn_tail) {
  if (torn_tail) *torn_tail = false;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (!fs::exists(path))
      return make_error(Errc::not_found, "journal {} not found", path.string());
    return make_error(Errc::io, "cannot read journal {}", path.string());
  }
  const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return make_error(Errc::io, "read error on journal {}", path.string());

  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos < all.size()) {
    const size_t nl = all.find('\n', pos);
    if (nl == std::string::npos) {
      if (torn_tail) *torn_tail = true;  // no newline: the write never finished
      break;
    }
    lines.emplace_back(all, pos, nl - pos);
    pos = nl + 1;
  }
  if (!lines.empty() && line_is_torn(lines.back())) {
    lines.pop_back();
    if (torn_tail) *torn_tail = true;
  }
  return lines;
}

}  // namespace tb::capture
