// After a crash: what to do with files under data/ that the manifest does not list. The rule
// (storage.hpp, DURABILITY PROTOCOL): only what the bag provably wrote is deleted — a temp
// file by its name, a renamed frame file by the fsync'd manifest temp that lists it with the
// same hash. Everything else is moved to <bag>/quarantine/, outside data/, never deleted.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <unordered_set>

#include <spdlog/spdlog.h>

#include "storage_io_detail.hpp"
#include "tetherbox/capture/storage.hpp"

namespace tb::capture {

namespace {

constexpr const char* kManifestTempPrefix = ".manifest-sha256.txt.tmp-";

// "data/..." -> sha256 from every leftover manifest temp: a commit's intent (written and
// fsync'd before its payload renames). A torn temp (crash while writing it) only has whole
// lines that parse; it was never followed by a rename anyway.
std::map<std::string, std::set<std::string>> leftover_intents(const fs::path& bag_dir) {
  std::map<std::string, std::set<std::string>> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(bag_dir, ec)) {
    const std::string n = e.path().filename().string();
    if (n.rfind(kManifestTempPrefix, 0) != 0 || !detail::is_storage_temp_name(n)) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::string line;
    while (std::getline(in, line)) {
      std::string sha, path;
      if (detail::parse_manifest_line(line, &sha, &path)) out[path].insert(sha);
    }
  }
  return out;
}

// The entry's own type (a link is never followed, so a link to a folder is not walked into),
// from readdir's d_type where the filesystem gives one: a 100 000-frame bag's walk paid an
// lstat per file for symlink_status().
fs::file_type own_type(const fs::directory_entry& e, std::error_code& ec) {
  if (e.is_symlink(ec)) return fs::file_type::symlink;
  if (ec) return fs::file_type::none;
  const bool dir = e.is_directory(ec);  // not a link: the cached type is the file's own
  if (ec || dir) return ec ? fs::file_type::none : fs::file_type::directory;
  return e.is_regular_file(ec) ? fs::file_type::regular : fs::file_type::unknown;
}

}  // namespace

Status Bag::quarantine(const std::string& rel) {
  TB_TRY(detail::check_rel(rel));
  const fs::path src = data_dir() / rel;
  const fs::path qdir = (dir_ / "quarantine" / "data" / rel).parent_path();
  std::lock_guard lock(mu_);
  TB_TRY(detail::make_dirs_durable(dir_, qdir));
  const std::string base = fs::path(rel).filename().string();
  for (int i = 1; i < 10000; ++i) {
    const fs::path dest = qdir / (i == 1 ? base : fmt::format("{}.{}", base, i));
    const int err = detail::rename_into_place(src, dest, Overwrite::never);
    if (err == EEXIST) continue;
    if (err != 0) return detail::write_errno_error(err, "move to quarantine", src);
    TB_TRY(fsync_dir(qdir));
    TB_TRY(fsync_dir(src.parent_path()));
    spdlog::warn("bag {}: moved data/{} to {} (not written by this bag, or changed)", dir_.string(),
                 rel, dest.lexically_relative(dir_).string());
    return unlist_locked("data/" + rel);
  }
  return make_error(Errc::invalid, "quarantine of data/{} has no free name", rel);
}

Result<SweepReport> Bag::sweep_unlisted() {
  SweepReport rep;
  const auto intents = leftover_intents(dir_);
  std::vector<std::string> to_remove, to_quarantine;  // under data/
  {
    std::lock_guard lock(mu_);
    // Without a full index (a created bag) the manifest is read once into a set: a sweep is a
    // repair, rare, and lists every file anyway.
    std::unordered_set<std::string> listed;
    if (!full_index_)
      TB_TRY(detail::for_each_manifest_line(
          dir_ / "manifest-sha256.txt",
          [&](const std::string&, const std::string& path, const std::string&) {
            listed.insert(path);
            return ok_status();
          }));
    std::error_code ec;
    const fs::path data = data_dir();
    const size_t data_len = data.native().size() + 1;  // "<bag>/data/"
    std::string key;
    for (auto it = fs::recursive_directory_iterator(data, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      const auto type = own_type(*it, ec);
      if (ec) break;
      if (type == fs::file_type::directory) continue;
      // The entry's path is data_dir() + '/' + rel: cut, not lexically_relative (a 100 000-frame
      // bag's walk spent most of its second there).
      const std::string rel = it->path().native().substr(data_len);
      key.assign("data/").append(rel);
      if (key == "data/journal.jsonl" || index_.count(key) || listed.count(key) ||
          deferred_.count(key))
        continue;
      const std::string name = it->path().filename().string();
      // Our temp names (".<name>.tmp-<pid>-<n>", created O_EXCL by this storage layer and
      // only ever renamed away or unlinked) prove the file is an interrupted write of ours.
      if (type == fs::file_type::regular && detail::is_storage_temp_name(name)) {
        to_remove.push_back(rel);
        continue;
      }
      if (type == fs::file_type::regular) {
        if (auto in = intents.find(key); in != intents.end()) {
          auto sha = sha256_file(it->path());
          if (sha && in->second.count(*sha)) {
            to_remove.push_back(rel);
            continue;
          }
        }
      }
      to_quarantine.push_back(rel);
    }
    if (ec) return make_error(Errc::io, "cannot list {}: {}", data.string(), ec.message());
    std::set<fs::path> touched;
    for (const auto& rel : to_remove) {
      const fs::path p = data / rel;
      if (::unlink(p.c_str()) != 0 && errno != ENOENT)
        return detail::write_errno_error(errno, "remove", p);
      spdlog::info("bag {}: removed data/{} (an interrupted write of this bag)", dir_.string(),
                   rel);
      touched.insert(p.parent_path());
      rep.removed.push_back("data/" + rel);
    }
    // Interrupted tag-file writes (manifest, bag-info, tagmanifest) leave temps in the root.
    for (const auto& e : fs::directory_iterator(dir_, ec)) {
      const std::string n = e.path().filename().string();
      if (e.is_regular_file() && detail::is_storage_temp_name(n)) {
        if (::unlink(e.path().c_str()) != 0 && errno != ENOENT)
          return detail::write_errno_error(errno, "remove", e.path());
        touched.insert(dir_);
      }
    }
    for (const auto& d : touched) TB_TRY(fsync_dir(d));
  }
  for (const auto& rel : to_quarantine) {
    TB_TRY(quarantine(rel));
    rep.quarantined.push_back("data/" + rel);
  }
  return rep;
}

}  // namespace tb::capture
