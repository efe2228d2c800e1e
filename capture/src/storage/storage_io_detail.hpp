#pragma once
// Helpers shared by the storage sources (atomic write, journal, bag): not part of the API.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

#include <openssl/evp.h>

#include "tetherbox/capture/storage.hpp"
#include "tetherbox/common/result.hpp"

namespace tb::capture::detail {

// "61.2 MB" (MiB, one decimal) for messages a person reads.
std::string human_mb(uint64_t bytes);
// Free bytes for an unprivileged writer on the filesystem holding `dir` (0 when unknown).
uint64_t free_bytes_at(const std::filesystem::path& dir);
// Maps errno from a failed write-side syscall to an Error a person can act on:
// ENOSPC/EDQUOT -> no_space (naming the file and the free space), EROFS/EACCES/EPERM ->
// refused (naming the directory), ENOENT -> not_found, anything else -> io.
Error write_errno_error(int err, const char* what, const std::filesystem::path& file);
// rename(2) of a synced temp file onto `to`; with Overwrite::never it fails with EEXIST when
// `to` exists (renameat2 RENAME_NOREPLACE, or link()+unlink() where that is unsupported).
// Returns 0 or the errno.
int rename_into_place(const std::filesystem::path& from, const std::filesystem::path& to,
                      Overwrite mode);
// The error for a failed rename_into_place: EEXIST names the file that was kept.
Error rename_error(int err, const std::filesystem::path& dest);
// Temp files of the storage layer are ".<name>.tmp-<pid>-<n>" (temp_path_for): true when
// `filename` has exactly that shape, so sweeping it can only remove a temp file of ours.
bool is_storage_temp_name(const std::string& filename);

// Streaming SHA-256 (OpenSSL EVP). A failure of OpenSSL itself surfaces at finish() as an
// internal error, never as a silently wrong digest.
class Sha256 {
 public:
  Sha256();
  void update(const void* p, size_t n);
  Result<std::string> finish();

 private:
  struct CtxDeleter {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
  };
  std::unique_ptr<EVP_MD_CTX, CtxDeleter> ctx_;
  bool ok_ = false;
};

// A BagIt manifest line read back (manifest_line in storage.hpp writes it); false for a
// malformed line.
bool parse_manifest_line(const std::string& line, std::string* sha256, std::string* path);

// flock(LOCK_EX|LOCK_NB) on <bag_dir>/.tetherbox.lock; returns the fd to keep open. Fails
// with Errc::busy naming the holder ("bag X is being written by pid 1234 (...)"). `shown` is
// the bag path used in messages.
Result<int> lock_bag(const std::filesystem::path& bag_dir, const std::filesystem::path& shown);
// A payload path must stay inside data/: relative, no "..", no empty or "." components.
Status check_rel(const std::string& rel);
// Creates the missing directories of `dir` below `base` and fsyncs each new entry's parent.
Status make_dirs_durable(const std::filesystem::path& base, const std::filesystem::path& dir);

// Read size for hashing files already on disk.
inline constexpr size_t kHashReadChunk = 4u << 20;

}  // namespace tb::capture::detail

namespace tb::capture {

// A manifest written to its temp file, not yet renamed (Bag::stage_manifest).
struct Bag::StagedManifest {
  StagedFile file;
  std::string sha256;  // of the whole manifest (tagmanifest-sha256.txt lists it)
  uint64_t count = 0;  // lines
  uint64_t bytes = 0;  // payload bytes of the listed files (when asked to stat them)
};

namespace detail {

// Calls `fn(sha256, path, line)` for every line of a manifest file, in file order, reading it in
// chunks (a 100 000-frame manifest is ~40 MB; it is never one string in RAM). A missing file
// has no lines; a malformed line is an error naming file:line.
Status for_each_manifest_line(
    const std::filesystem::path& manifest,
    const std::function<Status(const std::string& sha256, const std::string& path,
                               const std::string& line)>& fn);

}  // namespace detail
}  // namespace tb::capture
