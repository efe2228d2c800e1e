#pragma once
// Helpers shared by the storage sources (atomic write, journal, bag): not part of the API.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include <openssl/evp.h>

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

// BagIt manifest lines ("<sha256>  <path>", RFC 8493 2.1.3): paths percent-encode CR, LF
// and '%'. parse returns false for a malformed line.
std::string manifest_line(const std::string& sha256, const std::string& path);
bool parse_manifest_line(const std::string& line, std::string* sha256, std::string* path);

// Read size for hashing files already on disk.
inline constexpr size_t kHashReadChunk = 4u << 20;

}  // namespace tb::capture::detail
