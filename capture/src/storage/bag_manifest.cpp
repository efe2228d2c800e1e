// The manifest on disk as the bag's record of its payload (issue 9: memory flat). A session's
// frame lines are appended and fdatasync'd (bag.cpp, commit) and never kept in RAM; everything
// that needs them reads the file back here in chunks: a lookup, a rewrite (a replaced report,
// a removed or quarantined file) and finalize, which streams the file into its final form.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <set>

#include "storage_io_detail.hpp"
#include "tetherbox/capture/storage.hpp"

namespace tb::capture {

namespace {

constexpr const char* kManifest = "manifest-sha256.txt";
// The manifest is read and rewritten through buffers of this size. 64 KiB, not 1 MiB: a
// 10 000-frame manifest (~4 MB) held 1 MiB read + a line buffer grown past 2 MiB + a 1.6 MiB
// write buffer at finalize, the largest part of a long session's peak at close; at 64 KiB it
// costs a few hundred more read/write calls and no measurable time.
constexpr size_t kReadChunk = 64u << 10;

std::span<const uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace

namespace detail {

Status for_each_manifest_line(
    const fs::path& manifest,
    const std::function<Status(const std::string&, const std::string&, const std::string&)>& fn) {
  const int fd = ::open(manifest.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return ok_status();
    return make_error(Errc::io, "cannot read {}: {}", manifest.string(), std::strerror(errno));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  std::string buf, line, sha, path;
  size_t lineno = 0;
  auto one = [&](std::string& l) -> Status {
    ++lineno;
    if (!l.empty() && l.back() == '\r') l.pop_back();
    if (l.empty()) return ok_status();
    if (!parse_manifest_line(l, &sha, &path))
      return make_error(Errc::invalid, "{}:{}: malformed manifest line '{}'", manifest.string(),
                        lineno, l);
    return fn(sha, path, l);
  };
  std::vector<char> chunk(kReadChunk);
  for (;;) {
    const ssize_t r = ::read(fd, chunk.data(), chunk.size());
    if (r < 0 && errno == EINTR) continue;
    if (r < 0)
      return make_error(Errc::io, "cannot read {}: {}", manifest.string(), std::strerror(errno));
    if (r == 0) break;
    buf.append(chunk.data(), static_cast<size_t>(r));
    size_t start = 0;
    for (size_t nl; (nl = buf.find('\n', start)) != std::string::npos; start = nl + 1) {
      line.assign(buf, start, nl - start);
      TB_TRY(one(line));
    }
    buf.erase(0, start);
  }
  // The open_existing repair leaves no torn tail; a last line without its newline (a
  // hand-made bag) still counts.
  if (!buf.empty()) TB_TRY(one(buf));
  return ok_status();
}

}  // namespace detail

std::optional<std::string> Bag::lookup_locked(const std::string& key) const {
  if (auto it = deferred_.find(key); it != deferred_.end()) return it->second;
  const std::string rel = key.substr(5);
  if (tracked(rel)) {
    auto it = index_.find(key);
    if (it == index_.end()) return std::nullopt;
    return it->second;
  }
  // Not on the hot path (commit checks a new name against the disk instead): the manifest
  // answers for a session's frame files.
  std::optional<std::string> found;
  const Status st = detail::for_each_manifest_line(
      dir_ / kManifest, [&](const std::string& sha, const std::string& path, const std::string&) {
        if (path == key) found = sha;  // the last line wins, as in open_existing
        return ok_status();
      });
  if (!st) spdlog::error("bag {}: {}", dir_.string(), st.error().message);
  return found;
}

Result<Bag::StagedManifest> Bag::stage_manifest(const ManifestChanges& changes, bool stat_files) {
  auto file = StagedFile::create(dir_ / kManifest, Overwrite::replace);
  if (!file) return file.error();
  StagedManifest out{std::move(*file), {}, 0, 0};
  detail::Sha256 hash;
  std::string pending;
  std::set<std::string> written;  // changed paths already emitted in place
  const int dirfd = stat_files ? ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
  if (stat_files && dirfd < 0) return detail::write_errno_error(errno, "open", dir_ / "");
  struct Closer {
    int fd;
    ~Closer() {
      if (fd >= 0) ::close(fd);
    }
  } closer{dirfd};
  auto flush = [&]() -> Status {
    hash.update(pending.data(), pending.size());
    TB_TRY(out.file.write(bytes_of(pending)));
    pending.clear();
    return ok_status();
  };
  auto emit = [&](const std::string& sha, const std::string& path) -> Status {
    pending += manifest_line(sha, path);
    ++out.count;
    if (stat_files) {
      struct stat st {};
      if (::fstatat(dirfd, path.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
        return make_error(Errc::io, "cannot stat {}: {}", (dir_ / path).string(),
                          std::strerror(errno));
      out.bytes += static_cast<uint64_t>(st.st_size);
    }
    if (pending.size() >= kReadChunk) TB_TRY(flush());
    return ok_status();
  };
  TB_TRY(detail::for_each_manifest_line(
      dir_ / kManifest, [&](const std::string& sha, const std::string& path, const std::string&) {
        auto c = changes.find(path);
        if (c == changes.end()) return emit(sha, path);
        // A path listed twice (a hand-edited bag) keeps one line, as open_existing reads it.
        if (!c->second || !written.insert(path).second) return ok_status();
        return emit(*c->second, path);
      }));
  for (const auto& [path, sha] : changes)
    if (sha && !written.count(path)) TB_TRY(emit(*sha, path));
  TB_TRY(flush());
  auto digest = hash.finish();
  if (!digest) return digest.error();
  out.sha256 = std::move(*digest);
  return out;
}

Status Bag::rewrite_manifest(const ManifestChanges& changes) {
  auto staged = stage_manifest(changes, false);
  if (!staged) return staged.error();
  TB_TRY(staged->file.sync());
  close_manifest_fd();  // appends go to the new file from now on
  TB_TRY(staged->file.commit());
  return fsync_dir(dir_);
}

// Takes a listed path out of the manifest (a rewrite: BagIt lists a path once or not at all).
Status Bag::unlist_locked(const std::string& key) {
  deferred_.erase(key);
  if (tracked(key.substr(5))) {
    if (index_.erase(key) == 0) return ok_status();
  } else if (!lookup_locked(key)) {
    return ok_status();
  }
  return rewrite_manifest({{key, std::nullopt}});
}

bool Bag::has(const std::string& rel) const {
  std::lock_guard lock(mu_);
  return lookup_locked("data/" + rel).has_value();
}

std::string Bag::listed_sha256(const std::string& rel) const {
  std::lock_guard lock(mu_);
  return lookup_locked("data/" + rel).value_or(std::string());
}

std::vector<std::string> Bag::entries() const {
  return entries_if([](const std::string&) { return true; });
}

std::vector<std::string> Bag::entries_if(
    const std::function<bool(const std::string&)>& keep) const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  if (full_index_) {
    for (const auto& [key, sha] : index_)
      if (keep(key)) out.push_back(key);
  } else {
    const Status st = detail::for_each_manifest_line(
        dir_ / kManifest, [&](const std::string&, const std::string& path, const std::string&) {
          if (keep(path)) out.push_back(path);
          return ok_status();
        });
    if (!st) spdlog::error("bag {}: {}", dir_.string(), st.error().message);
  }
  for (const auto& [key, sha] : deferred_)
    if (keep(key)) out.push_back(key);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void Bag::drop_index() {
  std::lock_guard lock(mu_);
  if (!full_index_) return;
  full_index_ = false;
  for (auto it = index_.begin(); it != index_.end();)
    it = rewritable(it->first.substr(5)) ? std::next(it) : index_.erase(it);
}

}  // namespace tb::capture
