// The session bag (BagIt 1.0, RFC 8493). Every payload write goes through write_file_atomic
// and is then recorded in manifest-sha256.txt (rewritten atomically: it is small), so after a
// crash the manifest never lists a file that is not complete on disk; a file renamed into
// place just before the crash is an orphan that remove_orphans() deletes on resume.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
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

// A payload path must stay inside data/: relative, no "..", no empty or "." components.
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

Error from_ec(const std::error_code& ec, const char* what, const fs::path& p) {
  return detail::write_errno_error(ec.value(), what, p);
}

Status make_dir(const fs::path& p) {
  if (::mkdir(p.c_str(), 0755) != 0 && errno != EEXIST)
    return detail::write_errno_error(errno, "create directory", p / "");
  return ok_status();
}

// Creates the missing directories of `dir` below `base` and fsyncs each new entry's parent.
Status make_dirs_durable(const fs::path& base, const fs::path& dir) {
  fs::path cur = base;
  for (const auto& part : dir.lexically_relative(base)) {
    const fs::path next = cur / part;
    if (!fs::is_directory(next)) {
      TB_TRY(make_dir(next));
      TB_TRY(fsync_dir(cur));
    }
    cur = next;
  }
  return ok_status();
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

Result<std::unique_ptr<Bag>> Bag::create(const fs::path& root, const std::string& name) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos)
    return make_error(Errc::invalid, "bag name '{}' must be a single folder name", name);
  std::error_code ec;
  if (!fs::exists(root, ec)) {
    fs::create_directories(root, ec);
    if (ec) return from_ec(ec, "create storage root", root / "");
  } else if (!fs::is_directory(root, ec)) {
    return make_error(Errc::invalid, "storage root {} is not a directory", root.string());
  }
  const fs::path dir = root / name;
  if (::mkdir(dir.c_str(), 0755) != 0) {
    if (errno == EEXIST)
      return make_error(Errc::invalid,
                        "session folder {} already exists: resume it or choose another name",
                        dir.string());
    return detail::write_errno_error(errno, "create bag", dir);
  }

  auto build = [&]() -> Status {
    TB_TRY(make_dir(dir / "data"));
    for (const char* sub : kPayloadDirs) TB_TRY(make_dir(dir / "data" / sub));
    TB_TRY(fsync_dir(dir / "data"));
    TB_TRY(write_file_atomic(dir / "bagit.txt", std::string(kBagitTxt)));
    // An empty manifest from the start: the bag is valid (and verifiable) at every moment.
    TB_TRY(write_file_atomic(dir / kManifest, std::string()));
    TB_TRY(fsync_dir(root));
    return ok_status();
  };
  if (auto st = build(); !st) {
    fs::remove_all(dir, ec);  // we created it: leave no half bag behind
    return st.error();
  }
  std::unique_ptr<Bag> bag(new Bag());
  bag->dir_ = dir;
  spdlog::info("bag created at {}", dir.string());
  return bag;
}

Result<std::unique_ptr<Bag>> Bag::open_existing(const fs::path& bag_dir) {
  if (!fs::is_directory(bag_dir))
    return make_error(Errc::not_found, "session folder {} not found", bag_dir.string());
  if (!fs::exists(bag_dir / "bagit.txt"))
    return make_error(Errc::invalid, "{} is not a bag: bagit.txt missing", bag_dir.string());
  std::unique_ptr<Bag> bag(new Bag());
  bag->dir_ = bag_dir;

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
          !check_rel(path.substr(5)))
        return make_error(Errc::invalid, "{}:{}: malformed manifest line '{}'",
                          (bag_dir / kManifest).string(), lineno, line);
      std::error_code ec;
      const auto size = fs::file_size(bag_dir / path, ec);
      bag->entries_[path] = WrittenFile{path, ec ? 0 : size, sha};
    }
  } else if (fs::exists(bag_dir / kManifest)) {
    return make_error(Errc::io, "cannot read {}", (bag_dir / kManifest).string());
  }
  for (const char* sub : kPayloadDirs) TB_TRY(make_dirs_durable(bag_dir, bag_dir / "data" / sub));
  spdlog::info("bag {} reopened with {} payload files", bag_dir.string(), bag->entries_.size());
  return bag;
}

Result<WrittenFile> Bag::put(const std::string& rel, std::span<const uint8_t> data) {
  return put_impl(rel, data, /*rewrite=*/true);
}

Result<WrittenFile> Bag::put_deferred(const std::string& rel, std::span<const uint8_t> data) {
  return put_impl(rel, data, /*rewrite=*/false);
}

Status Bag::flush_manifest() {
  std::lock_guard lock(mu_);
  return rewrite_manifest();
}

Result<WrittenFile> Bag::put_impl(const std::string& rel, std::span<const uint8_t> data,
                                  bool rewrite) {
  TB_TRY(check_rel(rel));
  const fs::path dest = data_dir() / rel;
  std::lock_guard lock(mu_);
  TB_TRY(make_dirs_durable(dir_, dest.parent_path()));
  auto w = write_file_atomic(dest, data);
  if (!w) return w.error();
  WrittenFile wf{"data/" + rel, w->size, std::move(w->sha256)};
  std::optional<WrittenFile> previous;
  if (auto it = entries_.find(wf.rel_path); it != entries_.end()) previous = it->second;
  entries_[wf.rel_path] = wf;
  if (!rewrite) return wf;
  if (auto st = rewrite_manifest(); !st) {
    // Keep memory equal to the manifest on disk; the file itself is now an orphan (or a
    // changed file) that the caller removes or remove_orphans() cleans on resume.
    if (previous)
      entries_[wf.rel_path] = *previous;
    else
      entries_.erase(wf.rel_path);
    return st.error();
  }
  return wf;
}

Result<Bag::Staged> Bag::stage(const std::string& rel) {
  TB_TRY(check_rel(rel));
  const fs::path dest = data_dir() / rel;
  {
    std::lock_guard lock(mu_);
    TB_TRY(make_dirs_durable(dir_, dest.parent_path()));
  }
  auto f = StagedFile::create(dest);
  if (!f) return f.error();
  return Staged{rel, std::move(*f), {}};
}

Status Bag::commit(std::vector<Staged>& files) {
  for (const auto& f : files)
    if (f.sha256.size() != 64)
      return make_error(Errc::internal, "staged file data/{} has no SHA-256", f.rel);
  std::lock_guard lock(mu_);
  // Listed in memory first (to render the manifest); put back as it was if the new manifest
  // does not get into place, so memory always equals the manifest on disk.
  std::vector<std::pair<std::string, std::optional<WrittenFile>>> previous;
  previous.reserve(files.size());
  for (const auto& f : files) {
    const std::string key = "data/" + f.rel;
    auto it = entries_.find(key);
    previous.emplace_back(
        key, it == entries_.end() ? std::nullopt : std::optional<WrittenFile>(it->second));
    entries_[key] = WrittenFile{key, f.file.size(), f.sha256};
  }
  auto restore = [&] {
    for (auto& [key, old] : previous) {
      if (old)
        entries_[key] = std::move(*old);
      else
        entries_.erase(key);
    }
  };
  auto run = [&]() -> Status {
    std::string text;
    text.reserve(entries_.size() * 128);
    for (const auto& [key, e] : entries_) text += detail::manifest_line(e.sha256, key);
    auto manifest = StagedFile::create(dir_ / kManifest);
    if (!manifest) return manifest.error();
    TB_TRY(manifest->write(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size())));
    // Every fsync before any rename: on a journaling filesystem the first one commits the
    // lot and the others find nothing left to do.
    for (auto& f : files) TB_TRY(f.file.sync());
    TB_TRY(manifest->sync());
    std::vector<fs::path> dirs;
    for (auto& f : files) {
      TB_TRY(f.file.commit());
      const fs::path d = f.file.dest().parent_path();
      if (std::find(dirs.begin(), dirs.end(), d) == dirs.end()) dirs.push_back(d);
    }
    // The files' renames are durable before the manifest that lists them is renamed.
    for (const auto& d : dirs) TB_TRY(fsync_dir(d));
    return manifest->commit();
  };
  if (auto st = run(); !st) {
    restore();
    return st.error();
  }
  // The new manifest is in place (listing these files), so memory stays as it is even if
  // this fsync fails; the caller's remove() then unlists them again.
  return fsync_dir(dir_);
}

Result<WrittenFile> Bag::put(const std::string& rel, const std::string& text) {
  return put(rel,
             std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

Status Bag::add_existing(const std::string& rel) {
  TB_TRY(check_rel(rel));
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

bool Bag::has(const std::string& rel) const {
  std::lock_guard lock(mu_);
  return entries_.count("data/" + rel) > 0;
}

std::vector<std::string> Bag::entries() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  out.reserve(entries_.size());
  for (const auto& [key, e] : entries_) out.push_back(key);
  return out;
}

Status Bag::remove(const std::string& rel) {
  TB_TRY(check_rel(rel));
  const fs::path p = data_dir() / rel;
  std::lock_guard lock(mu_);
  if (::unlink(p.c_str()) != 0 && errno != ENOENT)
    return detail::write_errno_error(errno, "remove", p);
  const bool listed = entries_.erase("data/" + rel) > 0;
  TB_TRY(fsync_dir(p.parent_path()));
  if (listed) TB_TRY(rewrite_manifest());
  return ok_status();
}

Result<int> Bag::remove_orphans() {
  std::lock_guard lock(mu_);
  int removed = 0;
  std::set<fs::path> touched_dirs;
  std::error_code ec;
  std::vector<fs::path> doomed;
  for (auto it = fs::recursive_directory_iterator(data_dir(), ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec)) continue;
    const std::string key = "data/" + it->path().lexically_relative(data_dir()).generic_string();
    if (key == kJournalKey || entries_.count(key)) continue;
    doomed.push_back(it->path());
  }
  if (ec) return make_error(Errc::io, "cannot list {}: {}", data_dir().string(), ec.message());
  // Interrupted tag-file writes (manifest, bag-info) leave temp files in the bag root.
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    const std::string n = e.path().filename().string();
    if (!e.is_directory() && n.size() > 1 && n[0] == '.' && n.find(".tmp-") != std::string::npos)
      doomed.push_back(e.path());
  }
  for (const auto& p : doomed) {
    if (::unlink(p.c_str()) != 0 && errno != ENOENT)
      return detail::write_errno_error(errno, "remove orphan", p);
    spdlog::warn("bag: removed orphan {} (not in the manifest)", p.string());
    touched_dirs.insert(p.parent_path());
    ++removed;
  }
  for (const auto& d : touched_dirs) TB_TRY(fsync_dir(d));
  return removed;
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
  TB_TRY(rewrite_manifest());

  uint64_t bytes = 0;
  for (const auto& [k, e] : entries_) bytes += e.size;
  std::string text;
  for (const auto& [k, v] : info) {
    if (k.empty() || k.find_first_of(":\r\n") != std::string::npos)
      return make_error(Errc::invalid, "bag-info key '{}' must be one word without ':'", k);
    if (k == "Payload-Oxum" || k == "Bagging-Date") continue;  // computed here
    text += k + ": " + info_value(v) + "\n";
  }
  text += "Bagging-Date: " + utc_date_today() + "\n";
  text += fmt::format("Payload-Oxum: {}.{}\n", bytes, entries_.size());
  auto bag_info = write_file_atomic(dir_ / kBagInfo, text);
  if (!bag_info) return bag_info.error();

  std::string tags;
  for (const char* name : {"bagit.txt", kBagInfo, kManifest}) {
    auto sha = sha256_file(dir_ / name);
    if (!sha) return sha.error();
    tags += detail::manifest_line(*sha, name);
  }
  TB_TRY(write_file_atomic(dir_ / kTagManifest, tags));
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
