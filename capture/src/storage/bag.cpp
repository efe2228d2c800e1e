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
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
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

  std::ifstream in(bag_dir / kManifest, std::ios::binary);
  if (in) {
    std::string line;
    int lineno = 0;
    while (std::getline(in, line)) {
      ++lineno;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) continue;
      std::string sha, path;
      if (!detail::parse_manifest_line(line, &sha, &path) || path.rfind("data/", 0) != 0 ||
          !detail::check_rel(path.substr(5)))
        return make_error(Errc::invalid, "{}:{}: malformed manifest line '{}'",
                          (bag_dir / kManifest).string(), lineno, line);
      std::error_code ec;
      const auto size = fs::file_size(bag_dir / path, ec);
      bag->entries_[path] = WrittenFile{path, ec ? 0 : size, sha};
    }
  } else if (fs::exists(bag_dir / kManifest)) {
    return make_error(Errc::io, "cannot read {}", (bag_dir / kManifest).string());
  }
  for (const char* sub : kPayloadDirs)
    TB_TRY(detail::make_dirs_durable(bag_dir, bag_dir / "data" / sub));
  spdlog::info("bag {} reopened with {} payload files", bag_dir.string(), bag->entries_.size());
  return bag;
}

Status Bag::check_new_locked(const std::string& rel) const {
  if (rewritable(rel)) return ok_status();
  if (entries_.count("data/" + rel))
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
  entries_[wf.rel_path] = wf;
  return wf;
}

Status Bag::flush_manifest() {
  std::lock_guard lock(mu_);
  return rewrite_manifest();
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
    // Checked again here: another commit may have listed the path since stage().
    if (!rewritable(f.rel) && entries_.count("data/" + f.rel))
      return make_error(Errc::invalid,
                        "refusing to replace data/{}: the bag's manifest already lists it (two "
                        "frames rendered the same name?); the existing file is kept",
                        f.rel);
  }
  // Listed in memory first (to render the manifest); put back as it was on failure, so
  // memory always equals the manifest on disk.
  std::vector<std::pair<std::string, std::optional<WrittenFile>>> previous;
  previous.reserve(files.size());
  for (const auto& f : files) {
    const std::string key = "data/" + f.rel;
    auto it = entries_.find(key);
    previous.emplace_back(
        key, it == entries_.end() ? std::nullopt : std::optional<WrittenFile>(it->second));
    entries_[key] = WrittenFile{key, f.file.size(), f.sha256};
  }
  std::vector<size_t> renamed;  // indices of files renamed into place by this commit
  bool manifest_in_place = false;
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
        entries_[key] = std::move(*old);
      else
        entries_.erase(key);
    }
    for (const auto& d : dirs) (void)fsync_dir(d);
    if (manifest_in_place) {
      if (auto st = rewrite_manifest(); !st)
        spdlog::error("bag: could not take back a failed commit's manifest: {}",
                      st.error().message);
    }
  };
  auto run = [&]() -> Status {
    std::string text;
    text.reserve(entries_.size() * 128);
    for (const auto& [key, e] : entries_) text += detail::manifest_line(e.sha256, key);
    auto manifest = StagedFile::create(dir_ / kManifest, Overwrite::replace);
    if (!manifest) return manifest.error();
    TB_TRY(manifest->write(bytes_of(text)));
    // Every fsync before any rename: on a journaling filesystem the first one commits the
    // lot and the others find nothing left to do.
    for (auto& f : files) TB_TRY(f.file.sync());
    TB_TRY(manifest->sync());
    std::vector<fs::path> dirs;
    for (size_t i = 0; i < files.size(); ++i) {
      TB_TRY(files[i].file.commit());
      renamed.push_back(i);
      const fs::path d = files[i].file.dest().parent_path();
      if (std::find(dirs.begin(), dirs.end(), d) == dirs.end()) dirs.push_back(d);
    }
    // The files' renames are durable before the manifest that lists them is renamed.
    for (const auto& d : dirs) TB_TRY(fsync_dir(d));
    TB_TRY(manifest->commit());
    manifest_in_place = true;
    return fsync_dir(dir_);
  };
  if (auto st = run(); !st) {
    undo();
    return st.error();
  }
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
  entries_["data/" + rel] = WrittenFile{"data/" + rel, size, std::move(*sha)};
  return rewrite_manifest();
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
  entries_["data/" + rel] = WrittenFile{"data/" + rel, static_cast<uint64_t>(st.st_size), *sha};
  return rewrite_manifest();
}

bool Bag::has(const std::string& rel) const {
  std::lock_guard lock(mu_);
  return entries_.count("data/" + rel) > 0;
}

std::string Bag::listed_sha256(const std::string& rel) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find("data/" + rel);
  return it == entries_.end() ? std::string() : it->second.sha256;
}

std::vector<std::string> Bag::entries() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  out.reserve(entries_.size());
  for (const auto& [key, e] : entries_) out.push_back(key);
  return out;
}

Status Bag::remove(const std::string& rel) {
  TB_TRY(detail::check_rel(rel));
  const fs::path p = data_dir() / rel;
  std::lock_guard lock(mu_);
  if (::unlink(p.c_str()) != 0 && errno != ENOENT)
    return detail::write_errno_error(errno, "remove", p);
  const bool listed = entries_.erase("data/" + rel) > 0;
  TB_TRY(fsync_dir(p.parent_path()));
  if (listed) TB_TRY(rewrite_manifest());
  return ok_status();
}

Status Bag::finalize(const std::map<std::string, std::string>& info) {
  std::lock_guard lock(mu_);
  // The journal is the one payload file that grows after it was first recorded.
  if (auto it = entries_.find(kJournalKey); it != entries_.end()) {
    const fs::path p = dir_ / kJournalKey;
    auto sha = sha256_file(p);
    if (!sha) return sha.error();
    it->second.size = fs::file_size(p);
    it->second.sha256 = std::move(*sha);
  }
  std::string manifest;
  uint64_t bytes = 0;
  for (const auto& [k, e] : entries_) {
    manifest += detail::manifest_line(e.sha256, k);
    bytes += e.size;
  }
  std::string text;
  for (const auto& [k, v] : info) {
    if (k.empty() || k.find_first_of(":\r\n") != std::string::npos)
      return make_error(Errc::invalid, "bag-info key '{}' must be one word without ':'", k);
    if (k == "Payload-Oxum" || k == "Bagging-Date") continue;  // computed here
    text += k + ": " + info_value(v) + "\n";
  }
  text += "Bagging-Date: " + utc_date_today() + "\n";
  text += fmt::format("Payload-Oxum: {}.{}\n", bytes, entries_.size());
  auto bagit = sha256_file(dir_ / "bagit.txt");
  if (!bagit) return bagit.error();
  const std::string tags = detail::manifest_line(*bagit, "bagit.txt") +
                           detail::manifest_line(sha256_hex(bytes_of(text)), kBagInfo) +
                           detail::manifest_line(sha256_hex(bytes_of(manifest)), kManifest);
  // All three are written and fsync'd before any is renamed: a full disk fails here and
  // leaves the previous tag files as they were (see DURABILITY PROTOCOL).
  const char* names[] = {kManifest, kBagInfo, kTagManifest};
  const std::string* bodies[] = {&manifest, &text, &tags};
  std::vector<StagedFile> staged;
  for (size_t i = 0; i < 3; ++i) {
    auto f = StagedFile::create(dir_ / names[i], Overwrite::replace);
    if (!f) return f.error();
    TB_TRY(f->write(bytes_of(*bodies[i])));
    staged.push_back(std::move(*f));
  }
  for (auto& f : staged) TB_TRY(f.sync());
  for (auto& f : staged) TB_TRY(f.commit());
  TB_TRY(fsync_dir(dir_));
  spdlog::info("bag {} finalized: {} files, {} bytes", dir_.string(), entries_.size(), bytes);
  return ok_status();
}

Status Bag::rewrite_manifest() {
  std::string text;
  text.reserve(entries_.size() * 128);
  for (const auto& [key, e] : entries_) text += detail::manifest_line(e.sha256, key);
  auto w = write_file_atomic(dir_ / kManifest, text);
  if (!w) return w.error();
  return ok_status();
}

}  // namespace tb::capture
