#pragma once
// The session bag on disk (BagIt, RFC 8493) and the rules of every write.
//
// DURABILITY PROTOCOL (the one place it is written down; tests/crash checks it)
// ---------------------------------------------------------------------------
// Every file: temp ".<name>.tmp-<pid>-<n>" in the destination's directory (O_EXCL) -> write
// -> fsync -> rename -> fsync the directory. A destination is never half written.
//
// Payload names are never reused: frames/ and previews/ (and everything else except the
// rewritable set below) are renamed with RENAME_NOREPLACE (link()+unlink() where the
// filesystem lacks it), and stage()/commit()/put() refuse a path the manifest lists. Only
// report.json, report.html, journal.jsonl and exports/* are replaced (Bag::rewritable()).
//
// The manifest grows by appends during a session (one fdatasync'd append per commit, so a
// frame's cost does not grow with the session); finalize() streams it into its final form in
// the order the files were completed (BagIt asks for no order; nothing sorts it in RAM). A commit
// that replaces a listed file (report, exports) rewrites it whole through a temp file instead
// (steps 2'/6' below).
//
// One frame (Pipeline::process -> Bag::commit -> Journal::append), in this order:
//   1. payload temps written (writeback started);
//   2. fdatasync every payload temp;
//   3. the frame's lines appended to manifest-sha256.txt and fdatasync'd (the "intent": it
//      lists the frame's files with their hashes before any of them has its name);
//   4. rename each payload temp onto its name (NOREPLACE);
//   5. fsync each payload directory once (one for frames/, whatever the batch holds);
//   6. append the frame's journal line and fdatasync the journal.
//   (Replace path: 2'. the whole new manifest to ".manifest-sha256.txt.tmp-*", fsync'd with
//   the payload temps; 4, 5 as above; 6'. the temp renamed onto manifest-sha256.txt and the
//   bag root fsync'd, then 6.)
// What survives kill -9 / a power cut at each point, and what resume does with it:
//   before 3: temps only -> removed on resume (their names prove they are ours);
//   inside 3: a torn last manifest line (no newline / zero-filled) -> cut off when the bag is
//         reopened (Bag::open_existing); its files are still temps;
//   3..6: listed but not journaled (the files may be temps, renamed, or some of each) ->
//         a listed file that is absent only loses its line; one whose hash matches the
//         manifest is removed (the frame was never journaled: it is retaken); anything else
//         is quarantined. Replace path 4..6': files the manifest does not list, plus the
//         fsync'd manifest temp that lists them with their hashes -> removed when they match
//         that intent, else quarantined;
//   after 6: the frame exists. Nothing a journal line claims is ever deleted: a claimed
//         file the manifest lost is re-listed when its hash matches the journal; a claimed
//         file missing or changed makes the frame be retaken (changed files quarantined) and
//         a {"type":"fault","retake":true} line says so.
// The journal line is the commit point: a frame exists from the moment its line is durable.
//
// Locking: <bag>/.tetherbox.lock (outside data/) is flock(LOCK_EX|LOCK_NB)'d by the Bag
// object for its whole life, so one process writes a bag; the kernel drops the lock on any
// death. The file holds the holder's pid, host and start time for the refusal message.
// Bag::create builds the bag in a hidden temp folder of the storage root (locked from the
// start) and renames it onto its name with RENAME_NOREPLACE: a bag folder never exists half
// made, and two runs started in the same second get "<name>" and "<name>-2". A kill during
// creation leaves only that hidden ".<name>.tmp-<pid>-<n>" folder in the storage root (no
// bag, so a fresh run starts); a kill after the rename and before the first journal line
// leaves a bag with no journal, which resume loads as empty.
// Closing (finalize, report files) stages every file first and renames only when all bytes
// are on disk, so a full disk (ENOSPC) leaves the previous manifest and files intact.
#include <sys/types.h>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <unordered_map>
#include <memory>
#include <mutex>
#include <optional>
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

// Whether an atomic write may replace an existing destination.
enum class Overwrite { never, replace };

// Atomically writes `data` to `path` (hashing as it goes). Never leaves a half file at `path`.
// With Overwrite::never an existing `path` is kept and the write fails (Errc::invalid).
Result<WrittenFile> write_file_atomic(const fs::path& path, std::span<const uint8_t> data,
                                      Overwrite mode = Overwrite::replace);
Result<WrittenFile> write_file_atomic(const fs::path& path, const std::string& text,
                                      Overwrite mode = Overwrite::replace);
Status fsync_dir(const fs::path& dir);

// One BagIt manifest line, "<sha256>  <path>\n" (RFC 8493 2.1.3: CR, LF and '%' in the path
// percent-encoded), exactly as a bag writes it, for a tool that writes a manifest of its own.
std::string manifest_line(const std::string& sha256, const std::string& path);
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
  // Creates the temp file (O_EXCL) next to `dest`. With Overwrite::never (the default),
  // commit() fails with Errc::invalid when `dest` exists, and the existing file is kept.
  static Result<StagedFile> create(const fs::path& dest, Overwrite mode = Overwrite::never);
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
  Overwrite mode_ = Overwrite::never;
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
  // Several lines, one write and one fdatasync: all of them or (after a crash) a torn tail.
  Status append_lines(const std::vector<std::string>& json_lines);
  // Reads back all complete lines (a torn last line from a crash is ignored and reported).
  static Result<std::vector<std::string>> read_lines(const fs::path& path,
                                                     bool* torn_tail = nullptr);

 private:
  Journal() = default;
  int fd_ = -1;
  fs::path path_;
  std::mutex mu_;
};

// What Bag::sweep_unlisted() did with files under data/ that the manifest does not list.
struct SweepReport {
  std::vector<std::string> removed;      // "data/..." temp files / unjournaled files of ours
  std::vector<std::string> quarantined;  // "data/..." moved to <bag>/quarantine/data/...
};

// A BagIt bag being written. Payload entries accumulate in manifest-sha256.txt as files are
// written (so a crash leaves a manifest consistent with what is on disk); finalize() writes
// bag-info.txt and tagmanifest-sha256.txt. The Bag holds the bag's lock for its whole life.
// Memory: a session's frame entries live only in the manifest on disk (the Bag's RAM does not
// grow with the frames); has()/listed_sha256()/entries() read the manifest back for them, so
// they cost O(manifest) on a created bag (never called per frame). A bag reopened with
// open_existing() keeps a full index (resume's repair and delivery look up every path) until
// drop_index().
class Bag {
 public:
  // Creates <root>/<name>/ (or <name>-2, -3... when that exists) with bagit.txt and
  // data/{frames,previews,releases,exports}, locked. Errors: root missing and not creatable,
  // read-only.
  static Result<std::unique_ptr<Bag>> create(const fs::path& root, const std::string& name);
  // Re-opens an existing bag for --resume (locks it, reloads the manifest entries). A bag
  // another process holds fails with Errc::busy naming that process.
  static Result<std::unique_ptr<Bag>> open_existing(const fs::path& bag_dir);
  ~Bag();
  Bag(const Bag&) = delete;
  Bag& operator=(const Bag&) = delete;

  const fs::path& dir() const { return dir_; }
  fs::path data_dir() const { return dir_ / "data"; }
  // The files that are legitimately rewritten (report.json, report.html, journal.jsonl,
  // exports/...): every other payload path is written once and never replaced.
  static bool rewritable(const std::string& rel_under_data);
  // The lock file's name in the bag root.
  static constexpr const char* kLockFile = ".tetherbox.lock";

  // Writes a payload file under data/ (rel like "frames/x.dng") atomically and records it in
  // the manifest (one staged commit: on any failure, the old file and manifest are intact).
  // A path that exists or is listed is refused unless rewritable().
  Result<WrittenFile> put(const std::string& rel_under_data, std::span<const uint8_t> data);
  Result<WrittenFile> put(const std::string& rel_under_data, const std::string& text);
  // Like put(), but the manifest is rewritten only at the next put()/flush_manifest(). A
  // crash in between leaves a file the manifest does not list, which a resume quarantines.
  Result<WrittenFile> put_deferred(const std::string& rel_under_data,
                                   std::span<const uint8_t> data);
  Status flush_manifest();

  // Batched payload writes for a frame (the pipeline's hot path): stage() opens a temp file
  // under data/ (checking the path, refusing one that is listed or exists, creating
  // directories); the caller writes it; commit() then follows the protocol above (steps 2-6).
  // When it returns the files are durable and listed. `sha256` of each file is the caller's
  // hash of the exact bytes it wrote. On failure nothing of the batch remains: temps are
  // unlinked, files already renamed (new names, so ours) are unlinked, the manifest and
  // entries() are as before; an existing file at a destination is never touched.
  struct Staged {
    std::string rel;  // under data/
    StagedFile file;
    std::string sha256;
  };
  Result<Staged> stage(const std::string& rel_under_data);
  Status commit(std::vector<Staged>& files);
  // Records a payload file already on disk (the journal) — hashes it now.
  Status add_existing(const std::string& rel_under_data);
  // Re-lists a file already on disk whose manifest line was lost, if its hash equals
  // `expected_sha256` (Errc::mismatch otherwise; Errc::not_found when absent).
  Status relist(const std::string& rel_under_data, const std::string& expected_sha256);
  bool has(const std::string& rel_under_data) const;
  // The manifest's hash of a listed file ("" when not listed).
  std::string listed_sha256(const std::string& rel_under_data) const;
  // Deletes a payload file from disk and from the manifest (a frame that could not be
  // completed leaves nothing behind). Absent files are not an error.
  Status remove(const std::string& rel_under_data);
  // Moves data/<rel> to <bag>/quarantine/data/<rel> (a numbered name if that exists) and
  // unlists it: nothing the bag did not provably write is ever deleted.
  Status quarantine(const std::string& rel_under_data);
  // Manifest paths ("data/...") currently recorded, sorted.
  std::vector<std::string> entries() const;
  // The entries for which `keep` is true, sorted: a resume's look at 400 000 entries sorts only
  // the few it keeps.
  std::vector<std::string> entries_if(const std::function<bool(const std::string&)>& keep) const;
  // Forgets the index open_existing() built (after resume's repair): from here on the bag's
  // memory stays flat whatever the bag holds, and the manifest on disk answers lookups.
  void drop_index();
  // After a crash: files under data/ the manifest does not list (journal.jsonl excepted).
  // Storage temp files (by their name) and files a leftover manifest temp lists with the
  // same hash (renamed just before the crash, never journaled) are removed; everything else
  // (user files, strays, links, FIFOs) is quarantined. Also removes the bag root's temps.
  Result<SweepReport> sweep_unlisted();

  // bag-info.txt (metadata key/values + Payload-Oxum + Bagging-Date) and tagmanifest.
  Status finalize(const std::map<std::string, std::string>& info);

 private:
  Bag() = default;
  // Paths whose manifest line is also kept in index_ (rewritable ones always; every path of a
  // bag reopened with open_existing until drop_index()). A frame's lines are on disk only.
  bool tracked(const std::string& rel_under_data) const {
    return full_index_ || rewritable(rel_under_data);
  }
  std::optional<std::string> lookup_locked(const std::string& key) const;
  // A manifest replaced through a temp file: every line of the current one in its order, with
  // `changes` applied (a path mapped to a hash gets that line, in place or appended; a path
  // mapped to nullopt loses its line), fsync'd, renamed, bag root fsync'd. Streams: O(1) RAM.
  using ManifestChanges = std::map<std::string, std::optional<std::string>>;
  Status rewrite_manifest(const ManifestChanges& changes);
  struct StagedManifest;
  Result<StagedManifest> stage_manifest(const ManifestChanges& changes, bool stat_files);
  Status list_locked(WrittenFile wf);
  Status unlist_locked(const std::string& key);
  Status open_manifest_fd();
  void close_manifest_fd();
  Status append_manifest_text(const std::string& text, off_t before);
  Status check_new_locked(const std::string& rel) const;
  Status commit_locked(std::vector<Staged>& files);
  fs::path dir_;
  int lock_fd_ = -1;
  int manifest_fd_ = -1;  // O_APPEND on manifest-sha256.txt, reopened after a rewrite
  // "data/..." -> hash of the tracked() paths. Not every listed path: a session of 10 000
  // frames would hold 40 000 entries (~10 MB) for nothing, since the fsync'd manifest on disk
  // is the record and finalize streams it.
  std::unordered_map<std::string, std::string> index_;  // "data/..." -> sha256
  bool full_index_ = false;
  std::map<std::string, std::string> deferred_;  // put_deferred() lines not yet in the manifest
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
// What verify_bag does with the payload: hash every file against the manifest (`hash`), or
// check only that every listed file is there as a plain file and nothing else is (`presence`),
// for a reader that hashes each file itself as it reads it (export), so the bag is read once.
// `presence` leaves the payload's content, and so Payload-Oxum, to that reader; tag files are
// hashed either way.
enum class PayloadCheck { hash, presence };
// Re-hashes every file against manifest-sha256.txt and tagmanifest-sha256.txt. Never follows
// a symbolic link inside the bag: a link (or a FIFO, device, socket) anywhere in a listed
// path or under data/ is a problem, and data/ itself must be a real folder.
Result<VerifyReport> verify_bag(const fs::path& bag_dir, PayloadCheck payload = PayloadCheck::hash);

}  // namespace tb::capture
