#pragma once
// Where an export is built before it gets its name. A delivery bag is made of thousands of
// small files; one fsync per file made the export slower than exiftool over a copy (issue 13
// benchmark), so the payload is written without any, made durable once for the whole
// filesystem (syncfs), and only then listed, finalized and renamed onto the target. The name
// is the commit point: before the rename the export is a hidden ".<name>.export-<pid>" folder
// next to the target, which nothing takes for a delivery; after it, every byte is on disk.
//
// The staging folder is flock'ed for its whole life, so a later export to the same target can
// tell the leftover of a killed run (lock free: removed) from an export still running.
#include <atomic>
#include <filesystem>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "tetherbox/common/result.hpp"

namespace tb::delivery {

namespace fs = std::filesystem;

// Reads a whole file (one fstat, large reads). Errc::io naming the file.
Result<std::vector<uint8_t>> read_whole_file(const fs::path& path);

class ExportStaging {
 public:
  // Removes the unlocked leftovers of killed exports to `target`, then creates and locks
  // "<parent>/.<name>.export-<pid>". The bag itself is built at bag_dir() inside it.
  static Result<ExportStaging> create(const fs::path& target);
  ExportStaging(ExportStaging&& o) noexcept;
  ExportStaging& operator=(ExportStaging&&) = delete;
  ExportStaging(const ExportStaging&) = delete;
  ExportStaging& operator=(const ExportStaging&) = delete;
  // Unless committed, removes the whole staging folder: a failed export leaves nothing.
  ~ExportStaging();

  const fs::path& bag_dir() const { return bag_; }

  // Writes data/<rel> (a new name) with `bytes` and lists it with `sha256` (the caller's hash
  // of those bytes); safe to call from several threads. No fsync here: sync_payload() makes
  // every file durable at once. Where
  // `clone_from` is given and holds the same bytes, the file is a reflink of it when the
  // filesystem can (btrfs, XFS): no data is copied.
  Status write_payload(const std::string& rel, std::span<const uint8_t> bytes,
                       const std::string& sha256, const fs::path& clone_from = {});
  // The same for a file written in pieces (too large to hold whole): begin_payload creates
  // data/<rel> and gives its descriptor, append_payload adds bytes, end_payload closes it and
  // lists it with `sha256` when `written` (the appends' outcome) is ok.
  Result<int> begin_payload(const std::string& rel);
  Status append_payload(int fd, const std::string& rel, std::span<const uint8_t> bytes);
  Status end_payload(int fd, const std::string& rel, const std::string& sha256, Status written);
  // syncfs(2) on the staging folder's filesystem, then the manifest of everything written
  // (an atomic, fsync'd write): from here on the bag can be opened with Bag::open_existing.
  Status sync_payload();
  // Renames the finished bag onto `target` (an absent or empty folder) and fsyncs its parent;
  // the staging folder is then removed.
  Status commit();

 private:
  ExportStaging() = default;
  Status make_parent_dirs(const std::string& rel);
  fs::path target_, staging_, bag_;
  int lock_fd_ = -1;
  bool committed_ = false;
  std::mutex mu_;               // write_payload is called from several threads
  std::set<std::string> dirs_;  // folders under data/ known to exist
  std::string manifest_;        // "sha  data/rel" lines of the payload written
  // Cleared by the first reflink the filesystem refuses as unsupported (ext4, tmpfs): the
  // other files of the export are written without asking again.
  std::atomic<bool> may_clone_{true};
};

}  // namespace tb::delivery
