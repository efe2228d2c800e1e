// The session bag (BagIt 1.0, RFC 8493): creation, lock, staged commits, finalize. The order of
// every write and what it guarantees is in storage.hpp (DURABILITY PROTOCOL); the repair after
// a crash is in bag_sweep.cpp and resume.cpp.
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>
#include <optional>
#include <set>

#include <spdlog/spdlog.h>

#include "storage_io_detail.hpp"
#include "tetherbox/capture/storage.hpp"

namespace tb::capture {

namespace {

constexpr const char* kBagitTxt = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n";
constexpr const char* kManifest = "manifest-sha256.txt";
constexpr const char* kTagManifest = "tagmanifest-sha256.txt";
constexpr const char* kBagInfo = "bag-info.txt";
constexpr const char* kJournalKey = "data/journal.jsonl";
constexpr const char* kPayloadDirs[] = {"frames", "previews", "releases", "exports"};

std::atomic<uint64_t> g_create_counter{0};

// The manifest grows by appends during a session (DURABILITY PROTOCOL): a crash inside an
// append leaves a partial last line (no newline, or zero-filled blocks after a power cut).
// That append was never acknowledged (its fdatasync never returned) and no rename followed
// it, so the fragment is cut off here, as the journal does with its own torn tail.
Result<std::string> read_manifest_repairing_tail(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::string();
    return detail::write_errno_error(errno, "open", path);
  }
  std::string all;
  char buf[1 << 16];
  for (;;) {
    const ssize_t r = ::read(fd, buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      const int err = errno;
      ::close(fd);
      return make_error(Errc::io, "cannot read {}: {}", path.string(), std::strerror(err));
    }
    if (r == 0) break;
    all.append(buf, static_cast<size_t>(r));
  }
  size_t keep = all.size();
  if (keep > 0 && all.back() != '\n') {
    const size_t nl = all.rfind('\n');
    keep = nl == std::string::npos ? 0 : nl + 1;
  }
  // Zero-filled blocks can only come from an interrupted append: cut from the line holding the
  // first NUL. A frame line cut with them is restored from the journal by resume (relist).
  if (const size_t nul = all.find('\0'); nul < keep) {
    const size_t nl = nul == 0 ? std::string::npos : all.rfind('\n', nul - 1);
    keep = nl == std::string::npos ? 0 : nl + 1;
  }
  if (keep != all.size()) {
    spdlog::warn("manifest {}: dropping a torn last append ({} bytes) left by an interrupted write",
                 path.string(), all.size() - keep);
    if (::ftruncate(fd, static_cast<off_t>(keep)) != 0 || ::fdatasync(fd) != 0) {
      const int err = errno;
      ::close(fd);
      return detail::write_errno_error(err, "truncate the torn tail of", path);
    }
    all.resize(keep);
  }
  ::close(fd);
  return all;
}

Status make_dir(const fs::path& p) {
  if (::mkdir(p.c_str(), 0755) != 0 && errno != EEXIST)
    return detail::write_errno_error(errno, "create directory", p / "");
  return ok_status();
}

std::span<const uint8_t> bytes_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string utc_date_today() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

// bag-info.txt values may span lines: continuation lines start with whitespace (RFC 8493 2.2.2).
std::string info_value(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\r') continue;
    out.push_back(c);
    if (c == '\n') out.push_back(' ');
  }
  return out;
}

}  // namespace

std::string manifest_line(const std::string& sha256, const std::string& path) {
  std::string enc;
  for (char c : path) {
    if (c == '%')
      enc += "%25";
    else if (c == '\n')
      enc += "%0A";
    else if (c == '\r')
      enc += "%0D";
    else
      enc.push_back(c);
  }
  return sha256 + "  " + enc + "\n";
}

namespace detail {

Status check_rel(const std::string& rel) {
  if (rel.empty() || rel.front() == '/' || rel.back() == '/')
    return make_error(Errc::invalid, "payload path '{}' must be a relative file path", rel);
  size_t start = 0;
  while (start <= rel.size()) {
    const size_t slash = std::min(rel.find('/', start), rel.size());
    const std::string part = rel.substr(start, slash - start);
    if (part.empty() || part == "." || part == "..")
      return make_error(Errc::invalid, "payload path '{}' must stay inside data/", rel);
    start = slash + 1;
  }
  if (rel.find('\0') != std::string::npos)
    return make_error(Errc::invalid, "payload path contains a NUL byte");
  return ok_status();
}

Status make_dirs_durable(const fs::path& base, const fs::path& dir) {
  fs::path cur = base;
  for (const auto& part : dir.lexically_relative(base)) {
    const fs::path next = cur / part;
    struct stat st {};
    if (::lstat(next.c_str(), &st) != 0) {
      TB_TRY(make_dir(next));
      TB_TRY(fsync_dir(cur));
    } else if (!S_ISDIR(st.st_mode)) {
      // Never write through a link (or over a file) planted where a folder belongs.
      return make_error(Errc::invalid, "{} is not a folder (a link or a file is in the way)",
                        next.string());
    }
    cur = next;
  }
  return ok_status();
}

bool parse_manifest_line(const std::string& line, std::string* sha256, std::string* path) {
  if (line.size() < 66) return false;
  for (size_t i = 0; i < 64; ++i)
    if (!std::isxdigit(static_cast<unsigned char>(line[i]))) return false;
  size_t p = 64;
  if (line[p] != ' ' && line[p] != '\t') return false;
  while (p < line.size() && (line[p] == ' ' || line[p] == '\t')) ++p;
  if (p < line.size() && line[p] == '*') ++p;  // sha256sum's binary-mode marker
  if (p >= line.size()) return false;
  std::string dec;
  for (size_t i = p; i < line.size(); ++i) {
    if (line[i] == '%' && i + 2 < line.size()) {
      const std::string code = line.substr(i + 1, 2);
      if (code == "25" || code == "0A" || code == "0a" || code == "0D" || code == "0d") {
        dec.push_back(code == "25" ? '%' : (code[1] == 'A' || code[1] == 'a') ? '\n' : '\r');
        i += 2;
        continue;
      }
    }
    dec.push_back(line[i]);
  }
  std::string hex = line.substr(0, 64);
  for (auto& c : hex) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  *sha256 = std::move(hex);
  *path = std::move(dec);
  return true;
}

}  // namespace detail

bool Bag::rewritable(const std::string& rel) {
  return rel == "report.json" || rel == "report.html" || rel == "journal.jsonl" ||
         rel.rfind("exports/", 0) == 0;
}

Bag::~Bag() {
  close_manifest_fd();
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

void Bag::close_manifest_fd() {
  if (manifest_fd_ >= 0) ::close(manifest_fd_);
  manifest_fd_ = -1;
}

Result<std::unique_ptr<Bag>> Bag::create(const fs::path& root, const std::string& name) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos ||
      name.front() == '.')
    return make_error(Errc::invalid, "bag name '{}' must be a single folder name", name);
  std::error_code ec;
  if (!fs::exists(root, ec)) {
    fs::create_directories(root, ec);
    if (ec) return detail::write_errno_error(ec.value(), "create storage root", root / "");
  } else if (!fs::is_directory(root, ec)) {
    return make_error(Errc::invalid, "storage root {} is not a directory", root.string());
  }
  // Built under a temp name (the storage temp shape, so it is never mistaken for a bag) and
  // renamed onto its name when complete: a bag folder never exists half made.
  fs::path tmp;
  for (;;) {
    tmp = root / fmt::format(".{}.tmp-{}-{}", name, ::getpid(),
                             g_create_counter.fetch_add(1, std::memory_order_relaxed));
    if (::mkdir(tmp.c_str(), 0755) == 0) break;
    if (errno != EEXIST) return detail::write_errno_error(errno, "create bag", root / name);
  }
  std::unique_ptr<Bag> bag(new Bag());
  bag->dir_ = tmp;
  auto build = [&]() -> Status {
    auto fd = detail::lock_bag(tmp, root / name);
    if (!fd) return fd.error();
    bag->lock_fd_ = *fd;
    TB_TRY(make_dir(tmp / "data"));
    for (const char* sub : kPayloadDirs) TB_TRY(make_dir(tmp / "data" / sub));
    TB_TRY(fsync_dir(tmp / "data"));
    TB_TRY(write_file_atomic(tmp / "bagit.txt", std::string(kBagitTxt)));
    // An empty manifest from the start: the bag is valid (and verifiable) at every moment.
    TB_TRY(write_file_atomic(tmp / kManifest, std::string()));
    // Two runs started in the same second: the second gets "<name>-2", never a shared bag.
    for (int i = 1; i < 1000; ++i) {
      const fs::path dest = root / (i == 1 ? name : fmt::format("{}-{}", name, i));
      int err = 0;
      if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, dest.c_str(), RENAME_NOREPLACE) != 0) {
        err = errno;
        // Without RENAME_NOREPLACE, rename() of a folder cannot replace a non-empty folder
        // (every bag holds bagit.txt): ENOTEMPTY/EEXIST then means "taken".
        if ((err == EINVAL || err == ENOSYS || err == ENOTSUP) &&
            ::rename(tmp.c_str(), dest.c_str()) != 0)
          err = errno;
        else if (err == EINVAL || err == ENOSYS || err == ENOTSUP)
          err = 0;
      }
      if (err == 0) {
        bag->dir_ = dest;
        return fsync_dir(root);
      }
      if (err != EEXIST && err != ENOTEMPTY)
        return detail::write_errno_error(err, "create bag", dest);
    }
    return make_error(Errc::invalid, "session folders {}, {}-2 ... {}-999 all exist",
                      (root / name).string(), (root / name).string(), (root / name).string());
  };
  if (auto st = build(); !st) {
    fs::remove_all(tmp, ec);  // ours, never renamed into place: leave no half bag behind
    return st.error();
  }
  spdlog::info("bag created at {}", bag->dir_.string());
  return bag;
}

Result<std::unique_ptr<Bag>> Bag::open_existing(const fs::path& bag_dir) {
  if (!fs::is_directory(bag_dir))
    return make_error(Errc::not_found, "session folder {} not found", bag_dir.string());
  if (!fs::exists(bag_dir / "bagit.txt"))
    return make_error(Errc::invalid, "{} is not a bag: bagit.txt missing", bag_dir.string());
  std::unique_ptr<Bag> bag(new Bag());
  bag->dir_ = bag_dir;
  // Locked before anything is read: the manifest must not change under us.
  auto fd = detail::lock_bag(bag_dir, bag_dir);
  if (!fd) return fd.error();
  bag->lock_fd_ = *fd;

  auto text = read_manifest_repairing_tail(bag_dir / kManifest);
  if (!text) return text.error();
  {
    // ~100 bytes a line: the index is sized once, not rehashed 18 times on a 400 000-line bag.
    bag->index_.reserve(text->size() / 100 + 16);
    size_t pos = 0;
    int lineno = 0;
    while (pos < text->size()) {
      const size_t nl = std::min(text->find('\n', pos), text->size());
      std::string line = text->substr(pos, nl - pos);
      pos = nl + 1;
      ++lineno;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) continue;
      std::string sha, path;
      if (!detail::parse_manifest_line(line, &sha, &path) || path.rfind("data/", 0) != 0 ||
          !detail::check_rel(path.substr(5)))
        return make_error(Errc::invalid, "{}:{}: malformed manifest line '{}'",
                          (bag_dir / kManifest).string(), lineno, line);
      // Sizes are not stat'ed here (a 100 000-frame bag would cost 400 000 stats before the
      // first frame); resume checks the files the journal claims, finalize sums the sizes.
      // A path appended twice (never by this code, but a hand-edited bag) keeps its last line.
      bag->index_[path] = sha;
    }
  }
  bag->full_index_ = true;
  for (const char* sub : kPayloadDirs)
    TB_TRY(detail::make_dirs_durable(bag_dir, bag_dir / "data" / sub));
  spdlog::info("bag {} reopened with {} payload files", bag_dir.string(), bag->index_.size());
  return bag;
}

Status Bag::check_new_locked(const std::string& rel) const {
  if (rewritable(rel)) return ok_status();
  // A session's own frame lines are not in RAM: for them the name on disk (below) and the
  // NOREPLACE rename at commit refuse a second file of the same name.
  const std::string key = "data/" + rel;
  if ((tracked(rel) && index_.count(key)) || deferred_.count(key))
    return make_error(Errc::invalid,
                      "refusing to replace data/{}: the bag's manifest already lists it (two "
                      "frames rendered the same name?); the existing file is kept",
                      rel);
  struct stat st {};
  if (::lstat((data_dir() / rel).c_str(), &st) == 0)
    return make_error(Errc::invalid,
                      "refusing to replace data/{}: a file of that name already exists in the "
                      "bag; the existing file is kept",
                      rel);
  return ok_status();
}

Result<WrittenFile> Bag::put(const std::string& rel, std::span<const uint8_t> data) {
  auto s = stage(rel);
  if (!s) return s.error();
  TB_TRY(s->file.write(data));
  s->sha256 = sha256_hex(data);
  WrittenFile wf{"data/" + rel, data.size(), s->sha256};
  std::vector<Staged> batch;
  batch.push_back(std::move(*s));
  TB_TRY(commit(batch));
  return wf;
}

Result<WrittenFile> Bag::put(const std::string& rel, const std::string& text) {
  return put(rel, bytes_of(text));
}

Result<WrittenFile> Bag::put_deferred(const std::string& rel, std::span<const uint8_t> data) {
  TB_TRY(detail::check_rel(rel));
  const fs::path dest = data_dir() / rel;
  std::lock_guard lock(mu_);
  TB_TRY(check_new_locked(rel));
  TB_TRY(detail::make_dirs_durable(dir_, dest.parent_path()));
  auto w = write_file_atomic(dest, data, rewritable(rel) ? Overwrite::replace : Overwrite::never);
  if (!w) return w.error();
  WrittenFile wf{"data/" + rel, w->size, std::move(w->sha256)};
  deferred_[wf.rel_path] = wf.sha256;
  return wf;
}

Status Bag::flush_manifest() {
  std::lock_guard lock(mu_);
  if (deferred_.empty()) return ok_status();
  ManifestChanges changes;
  for (const auto& [key, sha] : deferred_) changes[key] = sha;
  TB_TRY(rewrite_manifest(changes));
  for (const auto& [key, sha] : deferred_)
    if (tracked(key.substr(5))) index_[key] = sha;
  deferred_.clear();
  return ok_status();
}

Result<Bag::Staged> Bag::stage(const std::string& rel) {
  TB_TRY(detail::check_rel(rel));
  const fs::path dest = data_dir() / rel;
  {
    std::lock_guard lock(mu_);
    TB_TRY(check_new_locked(rel));
    TB_TRY(detail::make_dirs_durable(dir_, dest.parent_path()));
  }
  auto f = StagedFile::create(dest, rewritable(rel) ? Overwrite::replace : Overwrite::never);
  if (!f) return f.error();
  return Staged{rel, std::move(*f), {}};
}

Status Bag::commit(std::vector<Staged>& files) {
  std::lock_guard lock(mu_);
  return commit_locked(files);
}

Status Bag::commit_locked(std::vector<Staged>& files) {
  std::set<std::string> in_batch;
  for (const auto& f : files) {
    if (f.sha256.size() != 64)
      return make_error(Errc::internal, "staged file data/{} has no SHA-256", f.rel);
    if (!in_batch.insert(f.rel).second)
      return make_error(Errc::invalid, "data/{} staged twice in one commit", f.rel);
    // Checked again here: another commit may have listed the path since stage(). A path this
    // session listed without keeping it in RAM exists on disk: its rename (NOREPLACE) fails.
    const std::string key = "data/" + f.rel;
    if (!rewritable(f.rel) && ((tracked(f.rel) && index_.count(key)) || deferred_.count(key)))
      return make_error(Errc::invalid,
                        "refusing to replace data/{}: the bag's manifest already lists it (two "
                        "frames rendered the same name?); the existing file is kept",
                        f.rel);
  }
  // A batch that only adds new paths (every frame and preview) appends its lines to the
  // manifest; one that replaces a listed file (report, exports: rewritable, so in index_)
  // rewrites it, since a BagIt manifest lists a path once.
  bool replaces = false;
  for (const auto& f : files)
    replaces = replaces || (rewritable(f.rel) && index_.count("data/" + f.rel) > 0);
  // The index (tracked paths only) is updated first and put back as it was on failure, so it
  // always equals the manifest on disk.
  std::vector<std::pair<std::string, std::optional<std::string>>> previous;
  previous.reserve(files.size());
  for (const auto& f : files) {
    const std::string key = "data/" + f.rel;
    if (!tracked(f.rel)) continue;
    auto it = index_.find(key);
    previous.emplace_back(
        key, it == index_.end() ? std::nullopt : std::optional<std::string>(it->second));
    index_[key] = f.sha256;
  }
  std::vector<size_t> renamed;  // indices of files renamed into place by this commit
  bool manifest_changed = false;
  off_t manifest_before = -1;  // the append path's manifest size before its lines
  auto undo = [&] {
    // Files renamed here had new names (NOREPLACE), so they are ours to take away.
    std::set<fs::path> dirs;
    for (size_t i : renamed) {
      if (rewritable(files[i].rel)) continue;  // replaced in place: cannot be undone
      if (::unlink(files[i].file.dest().c_str()) == 0)
        dirs.insert(files[i].file.dest().parent_path());
    }
    for (auto& [key, old] : previous) {
      if (old)
        index_[key] = std::move(*old);
      else
        index_.erase(key);
    }
    for (const auto& d : dirs) (void)fsync_dir(d);
    if (!manifest_changed) return;
    // The appended lines go again (a crash before this is repaired by resume: listed files
    // no journal line claims); a rewritten manifest gets its previous lines back.
    const bool cut = manifest_before >= 0 && manifest_fd_ >= 0 &&
                     ::ftruncate(manifest_fd_, manifest_before) == 0 &&
                     ::fdatasync(manifest_fd_) == 0;
    if (cut) return;
    ManifestChanges back;
    for (const auto& f : files) back["data/" + f.rel] = std::nullopt;
    for (const auto& [key, old] : previous) back[key] = old;
    if (Status st = rewrite_manifest(back); !st)
      spdlog::error("bag: could not take back a failed commit's manifest: {}", st.error().message);
  };
  auto payload_dirs = [&] {
    std::vector<fs::path> dirs;
    for (const auto& f : files) {
      const fs::path d = f.file.dest().parent_path();
      if (std::find(dirs.begin(), dirs.end(), d) == dirs.end()) dirs.push_back(d);
    }
    return dirs;
  };
  auto rename_all = [&]() -> Status {
    for (size_t i = 0; i < files.size(); ++i) {
      TB_TRY(files[i].file.commit());
      renamed.push_back(i);
    }
    // One fsync per directory, however many files the batch renamed into it.
    for (const auto& d : payload_dirs()) TB_TRY(fsync_dir(d));
    return ok_status();
  };
  auto append = [&]() -> Status {
    for (auto& f : files) TB_TRY(f.file.sync());
    std::string text;
    for (const auto& f : files) text += manifest_line(f.sha256, "data/" + f.rel);
    TB_TRY(open_manifest_fd());
    struct stat st {};
    if (::fstat(manifest_fd_, &st) != 0)
      return detail::write_errno_error(errno, "stat", dir_ / kManifest);
    manifest_before = st.st_size;
    manifest_changed = true;
    TB_TRY(append_manifest_text(text, manifest_before));
    // The lines are durable before any file they list takes its name: a crash after this
    // leaves listed files no journal line claims, which resume removes (hash checked).
    return rename_all();
  };
  auto rewrite = [&]() -> Status {
    ManifestChanges changes;
    for (const auto& f : files) changes["data/" + f.rel] = f.sha256;
    auto manifest = stage_manifest(changes, false);
    if (!manifest) return manifest.error();
    // Every fsync before any rename: on a journaling filesystem the first one commits the
    // lot and the others find nothing left to do.
    for (auto& f : files) TB_TRY(f.file.sync());
    TB_TRY(manifest->file.sync());
    // The files' renames are durable before the manifest that lists them is renamed.
    TB_TRY(rename_all());
    close_manifest_fd();  // the append descriptor's file is about to be replaced
    TB_TRY(manifest->file.commit());
    manifest_changed = true;
    return fsync_dir(dir_);
  };
  if (auto st = replaces ? rewrite() : append(); !st) {
    undo();
    return st.error();
  }
  return ok_status();
}

// A file already on disk joins the manifest: one appended line when its path is new (resume
// re-lists many files; a rewrite each would be quadratic), a rewrite when it replaces a line.
Status Bag::list_locked(WrittenFile wf) {
  const std::string key = wf.rel_path;
  const bool replaces = lookup_locked(key).has_value();
  const std::string line = manifest_line(wf.sha256, key);
  if (replaces) {
    TB_TRY(rewrite_manifest({{key, wf.sha256}}));
    deferred_.erase(key);
    if (tracked(key.substr(5))) index_[key] = wf.sha256;
    return ok_status();
  }
  TB_TRY(open_manifest_fd());
  struct stat st {};
  if (::fstat(manifest_fd_, &st) != 0)
    return detail::write_errno_error(errno, "stat", dir_ / kManifest);
  TB_TRY(append_manifest_text(line, st.st_size));
  if (tracked(key.substr(5))) index_[key] = std::move(wf.sha256);
  return ok_status();
}

Status Bag::open_manifest_fd() {
  if (manifest_fd_ >= 0) return ok_status();
  const fs::path p = dir_ / kManifest;
  manifest_fd_ = ::open(p.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (manifest_fd_ < 0) return detail::write_errno_error(errno, "open", p);
  return ok_status();
}

Status Bag::append_manifest_text(const std::string& text, off_t before) {
  const fs::path p = dir_ / kManifest;
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t w = ::write(manifest_fd_, text.data() + done, text.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      const int err = w < 0 ? errno : ENOSPC;
      // A partial line would glue onto the next append: take it back now.
      if (done > 0 && ::ftruncate(manifest_fd_, before) != 0)
        spdlog::error("manifest: could not remove a partial line: {}", std::strerror(errno));
      return detail::write_errno_error(err, "append to", p);
    }
    done += static_cast<size_t>(w);
  }
  int r;
  do {
    r = ::fdatasync(manifest_fd_);
  } while (r != 0 && errno == EINTR);
  if (r != 0) return detail::write_errno_error(errno, "fdatasync", p);
  return ok_status();
}

Status Bag::add_existing(const std::string& rel) {
  TB_TRY(detail::check_rel(rel));
  const fs::path p = data_dir() / rel;
  std::lock_guard lock(mu_);
  std::error_code ec;
  const auto size = fs::file_size(p, ec);
  if (ec)
    return make_error(Errc::not_found, "cannot add {} to the manifest: {}", p.string(),
                      ec.message());
  auto sha = sha256_file(p);
  if (!sha) return sha.error();
  return list_locked(WrittenFile{"data/" + rel, size, std::move(*sha)});
}

Status Bag::relist(const std::string& rel, const std::string& expected) {
  TB_TRY(detail::check_rel(rel));
  const fs::path p = data_dir() / rel;
  std::lock_guard lock(mu_);
  struct stat st {};
  if (::lstat(p.c_str(), &st) != 0) return make_error(Errc::not_found, "data/{} is missing", rel);
  if (!S_ISREG(st.st_mode)) return make_error(Errc::mismatch, "data/{} is not a regular file", rel);
  auto sha = sha256_file(p);
  if (!sha) return sha.error();
  if (*sha != expected)
    return make_error(Errc::mismatch, "data/{} was changed: SHA-256 {} but the journal says {}",
                      rel, *sha, expected);
  return list_locked(WrittenFile{"data/" + rel, static_cast<uint64_t>(st.st_size), *sha});
}

Status Bag::remove(const std::string& rel) {
  TB_TRY(detail::check_rel(rel));
  const fs::path p = data_dir() / rel;
  std::lock_guard lock(mu_);
  if (::unlink(p.c_str()) != 0 && errno != ENOENT)
    return detail::write_errno_error(errno, "remove", p);
  TB_TRY(fsync_dir(p.parent_path()));
  return unlist_locked("data/" + rel);
}

Status Bag::finalize(const std::map<std::string, std::string>& info) {
  std::lock_guard lock(mu_);
  // The manifest on disk is streamed into its final form (a 100 000-frame bag's ~40 MB of
  // lines are never in memory), in the order the files were completed, with the journal's line
  // brought up to date (the one payload file that grows after it was first recorded) and
  // any put_deferred() lines added.
  ManifestChanges changes;
  for (const auto& [key, sha] : deferred_) changes[key] = sha;
  if (index_.count(kJournalKey)) {
    auto sha = sha256_file(dir_ / kJournalKey);
    if (!sha) return sha.error();
    changes[kJournalKey] = std::move(*sha);
  }
  auto manifest = stage_manifest(changes, true);
  if (!manifest) return manifest.error();
  std::string text;
  for (const auto& [k, v] : info) {
    if (k.empty() || k.find_first_of(":\r\n") != std::string::npos)
      return make_error(Errc::invalid, "bag-info key '{}' must be one word without ':'", k);
    if (k == "Payload-Oxum" || k == "Bagging-Date") continue;  // computed here
    text += k + ": " + info_value(v) + "\n";
  }
  text += "Bagging-Date: " + utc_date_today() + "\n";
  text += fmt::format("Payload-Oxum: {}.{}\n", manifest->bytes, manifest->count);
  auto bagit = sha256_file(dir_ / "bagit.txt");
  if (!bagit) return bagit.error();
  const std::string tags = manifest_line(*bagit, "bagit.txt") +
                           manifest_line(sha256_hex(bytes_of(text)), kBagInfo) +
                           manifest_line(manifest->sha256, kManifest);
  // All three are written and fsync'd before any is renamed: a full disk fails here and
  // leaves the previous tag files as they were (see DURABILITY PROTOCOL).
  const char* names[] = {kBagInfo, kTagManifest};
  const std::string* bodies[] = {&text, &tags};
  std::vector<StagedFile> staged;
  staged.push_back(std::move(manifest->file));
  for (size_t i = 0; i < 2; ++i) {
    auto f = StagedFile::create(dir_ / names[i], Overwrite::replace);
    if (!f) return f.error();
    TB_TRY(f->write(bytes_of(*bodies[i])));
    staged.push_back(std::move(*f));
  }
  for (auto& f : staged) TB_TRY(f.sync());
  close_manifest_fd();  // later appends go to the new file
  for (auto& f : staged) TB_TRY(f.commit());
  TB_TRY(fsync_dir(dir_));
  for (const auto& [key, sha] : changes)
    if (tracked(key.substr(5))) index_[key] = *sha;
  deferred_.clear();
  spdlog::info("bag {} finalized: {} files, {} bytes", dir_.string(), manifest->count,
               manifest->bytes);
  return ok_status();
}

}  // namespace tb::capture
