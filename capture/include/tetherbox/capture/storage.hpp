#pragma once
// The session bag on disk (BagIt, RFC 8493) and the rules of every write:
// temp file in the same directory -> write -> fsync -> rename -> fsync the directory.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "tetherbox/common/result.hpp"

namespace tb::capture {

namespace fs = std::filesystem;

struct WrittenFile {
  std::string rel_path;  // relative to the bag root
  uint64_t size = 0;
  std::string sha256;  // hex, computed while writing (streaming)
};

// Atomically writes `data` to `path` (hashing as it goes). Never leaves a half file at `path`.
Result<WrittenFile> write_file_atomic(const fs::path& path, std::span<const uint8_t> data);
Result<WrittenFile> write_file_atomic(const fs::path& path, const std::string& text);
Status fsync_dir(const fs::path& dir);
// SHA-256 of a file on disk (hex), streamed.
Result<std::string> sha256_file(const fs::path& path);
std::string sha256_hex(std::span<const uint8_t> data);

// One atomic write split into steps, so a caller can write several files, let the disk work
// while it does CPU work (writeback starts as soon as the bytes are written), fsync them all,
// then rename them with one directory fsync per directory. Same guarantees as
// write_file_atomic: the destination is never half written, and a StagedFile dropped before
// commit() unlinks its temp file. No hashing here: the caller hashes the buffer it hands in.
class StagedFile {
 public:
  // Creates the temp file (O_EXCL) next to `dest`.
  static Result<StagedFile> create(const fs::path& dest);
  StagedFile(StagedFile&& o) noexcept;
  StagedFile& operator=(StagedFile&& o) noexcept;
  StagedFile(const StagedFile&) = delete;
  StagedFile& operator=(const StagedFile&) = delete;
  ~StagedFile();

  // Appends `data` (large write(2) calls) and starts its writeback without waiting for it.
  Status write(std::span<const uint8_t> data);
  // fsync + close: the temp file's bytes are durable.
  Status sync();
  // Renames the synced temp file onto the destination. The rename is durable only after the
  // caller fsyncs the destination directory (fsync_dir).
  Status commit();

  const fs::path& dest() const { return dest_; }
  uint64_t size() const { return size_; }
  bool committed() const { return committed_; }

 private:
  StagedFile() = default;
  void discard() noexcept;
  fs::path dest_, tmp_;
  int fd_ = -1;
  uint64_t size_ = 0;
  bool synced_ = false, committed_ = false;
};

// Free-space guard: refuses a write that would leave less than reserve_bytes free.
class SpaceGuard {
 public:
  SpaceGuard(fs::path dir, uint64_t reserve_bytes)
      : dir_(std::move(dir)), reserve_(reserve_bytes) {}
  // ok, or no_space with a message: "only 61.2 MB free on /mnt/x, need 48.1 MB + 256 MB reserve"
  Status check(uint64_t bytes_about_to_write) const;
  uint64_t free_bytes() const;

 private:
  fs::path dir_;
  uint64_t reserve_;
};

// Append-only journal (data/journal.jsonl): every line is fsync'd before append() returns.
class Journal {
 public:
  static Result<std::unique_ptr<Journal>> open(const fs::path& path);  // creates or appends
  ~Journal();
  Status append(const std::string& json_line);  // one line, no '\n' inside
  // Reads back all complete lines (a torn last line from a crash is ignored and reported).
  static Result<std::vector<std::string>> read_lines(const fs::path& path,
                                                     bool* torn_tail = nullptr);

 private:
  Journal() = default;
  int fd_ = -1;
  fs::path path_;
  std::mutex mu_;
};

// A BagIt bag being written. Payload entries accumulate in manifest-sha256.txt as files are
// written (so a crash leaves a manifest consistent with what is on disk); finalize() writes
// bag-info.txt and tagmanifest-sha256.txt.
class Bag {
 public:
  // Creates <root>/<name>/ with bagit.txt and data/{frames,previews,releases,exports}.
  // Errors: root missing and not creatable, read-only, bag already exists.
  static Result<std::unique_ptr<Bag>> create(const fs::path& root, const std::string& name);
  // Re-opens an existing bag for --resume (reloads the manifest entries).
  static Result<std::unique_ptr<Bag>> open_existing(const fs::path& bag_dir);

  const fs::path& dir() const { return dir_; }
  fs::path data_dir() const { return dir_ / "data"; }

  // Writes a payload file under data/ (rel like "frames/x.dng") atomically and records it in
  // the manifest. Overwrites an earlier entry of the same path (e.g. report.json).
  Result<WrittenFile> put(const std::string& rel_under_data, std::span<const uint8_t> data);
  Result<WrittenFile> put(const std::string& rel_under_data, const std::string& text);
  // Like put(), but the manifest is rewritten only at the next put()/flush_manifest(): a frame
  // writes its files, then the manifest once. A crash in between leaves files the manifest
  // does not list, which remove_orphans() deletes on resume.
  Result<WrittenFile> put_deferred(const std::string& rel_under_data,
                                   std::span<const uint8_t> data);
  Status flush_manifest();

  // Batched payload writes for a frame (the pipeline's hot path): stage() opens a temp file
  // under data/ (checking the path, creating directories); the caller writes it; commit()
  // then, in this order: writes the new manifest to its own temp file, fsyncs every staged
  // file and that temp (one journal commit on ext4), renames the payload files, fsyncs each of
  // their directories once, renames the manifest and fsyncs the bag root. When it returns
  // the files are durable and listed. `sha256` of each file is the caller's hash of the exact
  // bytes it wrote. On failure, files already renamed stay on disk unlisted: the caller
  // removes them with remove() (or remove_orphans() does on resume).
  struct Staged {
    std::string rel;  // under data/
    StagedFile file;
    std::string sha256;
  };
  Result<Staged> stage(const std::string& rel_under_data);
  Status commit(std::vector<Staged>& files);
  // Records a payload file already on disk (the journal) — hashes it now.
  Status add_existing(const std::string& rel_under_data);
  bool has(const std::string& rel_under_data) const;
  // Deletes a payload file from disk and from the manifest (a frame that could not be
  // completed leaves nothing behind). Absent files are not an error.
  Status remove(const std::string& rel_under_data);
  // Manifest paths ("data/...") currently recorded, sorted.
  std::vector<std::string> entries() const;
  // Removes payload files not in the manifest (temp files and orphans after a crash); returns
  // how many were removed.
  Result<int> remove_orphans();

  // bag-info.txt (metadata key/values + Payload-Oxum + Bagging-Date) and tagmanifest.
  Status finalize(const std::map<std::string, std::string>& info);

 private:
  Status rewrite_manifest();
  Result<WrittenFile> put_impl(const std::string& rel, std::span<const uint8_t> data, bool rewrite);
  fs::path dir_;
  std::map<std::string, WrittenFile> entries_;  // key: "data/..." path
  mutable std::mutex mu_;
};

struct VerifyReport {
  std::vector<std::string> missing;   // in a manifest, not on disk
  std::vector<std::string> changed;   // hash differs
  std::vector<std::string> extra;     // on disk under data/, in no manifest
  std::vector<std::string> problems;  // bagit.txt missing, malformed manifest line…
  size_t files_checked = 0;
  uint64_t bytes_checked = 0;
  bool ok() const {
    return missing.empty() && changed.empty() && extra.empty() && problems.empty();
  }
};
// Re-hashes every file against manifest-sha256.txt and tagmanifest-sha256.txt.
Result<VerifyReport> verify_bag(const fs::path& bag_dir);

}  // namespace tb::capture
