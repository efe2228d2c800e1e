// SHA-256 over buffers and files, streamed (a 48 MB RAW is never read whole to hash it).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "storage_io_detail.hpp"
#include "tetherbox/capture/storage.hpp"

namespace tb::capture {

namespace detail {

namespace {
std::string to_hex(const unsigned char* md, unsigned int len) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(static_cast<size_t>(len) * 2, '0');
  for (unsigned int i = 0; i < len; ++i) {
    out[2 * i] = kDigits[md[i] >> 4];
    out[2 * i + 1] = kDigits[md[i] & 0xF];
  }
  return out;
}
}  // namespace

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  ok_ = ctx_ && EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) == 1;
}

void Sha256::update(const void* p, size_t n) {
  if (ok_ && n > 0) ok_ = EVP_DigestUpdate(ctx_.get(), p, n) == 1;
}

Result<std::string> Sha256::finish() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!ok_ || EVP_DigestFinal_ex(ctx_.get(), md, &len) != 1)
    return make_error(Errc::internal, "OpenSSL SHA-256 failed");
  ok_ = false;  // a context is finished once
  return to_hex(md, len);
}

}  // namespace detail

Result<std::string> sha256_file(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    return make_error(err == ENOENT ? Errc::not_found : Errc::io, "cannot read {}: {}",
                      path.string(), std::strerror(err));
  }
  detail::Sha256 hash;
  // 256 KiB reads hash as fast as 4 MiB ones (verify's parallel reader keeps its own large
  // chunk); a 4 MiB buffer here was touched whole by the journal's hash at every close, 4 MB
  // of RSS that a long session had and a short one did not.
  constexpr size_t kChunk = 256u << 10;
  std::unique_ptr<uint8_t[]> buf(new uint8_t[kChunk]);
  for (;;) {
    const ssize_t r = ::read(fd, buf.get(), kChunk);
    if (r < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return make_error(Errc::io, "read of {} failed: {}", path.string(), std::strerror(err));
    }
    if (r == 0) break;
    hash.update(buf.get(), static_cast<size_t>(r));
  }
  ::close(fd);
  return hash.finish();
}

std::string sha256_hex(std::span<const uint8_t> data) {
  detail::Sha256 hash;
  hash.update(data.data(), data.size());
  auto r = hash.finish();
  // Only an OpenSSL malfunction gets here; an empty string never matches a real digest, so a
  // verification built on it fails loudly instead of passing.
  return r ? std::move(*r) : std::string();
}

}  // namespace tb::capture
